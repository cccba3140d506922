// The live tools' socket messages (pointer, drawing, freeze, torch, zoom,
// camera, snapshot, chat): their shapes, shared by the server (which validates
// them in socket.ts's unions) and the web app (types only; zod stays off the
// Lens). Coordinates are fractions of the phone's video frame as it is shown
// upright (0,0 top left, 1,1 bottom right), never of an element, so each side
// maps them through its own element size, object-fit and zoom. The rules of
// who may send what, in which state, and how often are in TOOL_RULES below.
import { z } from 'zod';
import { CHAT_TEXT_MAX, LABEL_TEXT_MAX, STROKE_POINTS_MAX } from './limits.ts';

const sessionId = z.uuid();
const fraction = z.number().min(0).max(1);
/** A spot of the frame: [x, y], each 0..1. */
export const pointSchema = z.tuple([fraction, fraction]);
export type Point = z.output<typeof pointSchema>;

export const STROKE_KINDS = ['free', 'arrow', 'ellipse', 'rect', 'label'] as const;
export type StrokeKind = (typeof STROKE_KINDS)[number];
export const STROKE_COLORS = ['red', 'yellow', 'green', 'blue', 'white'] as const;
export type StrokeColor = (typeof STROKE_COLORS)[number];

/**
 * One stroke, as it is drawn. `id` is the console's, unique within the session
 * while it lasts. `free`: `points` are added to the stroke's points so far (a
 * freehand line streams in many messages); `arrow` (from the first point to
 * the second), `ellipse` and `rect` (inside the two corners): `points` replace
 * them; `label`: `points` holds the label's spot and `text` its words. `done`:
 * the technician let go. `live`: drawn on live video, so it fades (on a frozen
 * picture a stroke stays until undone or cleared).
 */
export const strokeSchema = z.strictObject({
  id: z.number().int().min(1).max(2_147_483_647),
  kind: z.enum(STROKE_KINDS),
  color: z.enum(STROKE_COLORS),
  points: z.array(pointSchema).min(1).max(STROKE_POINTS_MAX),
  text: z.string().max(LABEL_TEXT_MAX).optional(),
  done: z.boolean(),
  live: z.boolean(),
});
export type Stroke = z.output<typeof strokeSchema>;

/** What the phone's camera can do right now, and what it is doing (sent on every change). */
export const cameraToolsSchema = z.strictObject({
  /** The track has a torch (`getCapabilities().torch`), and whether it is on. */
  torch: z.boolean(),
  torchOn: z.boolean(),
  /** The track's `zoom` range, or null: the console zooms digitally instead. */
  zoom: z.strictObject({ min: z.number(), max: z.number(), step: z.number().min(0) }).nullable(),
  zoomLevel: z.number().nullable(),
  /** The phone has another camera to switch to. */
  canSwitch: z.boolean(),
  facing: z.enum(['user', 'environment']).nullable(),
  /** Where a snapshot comes from: `ImageCapture.takePhoto()` (full resolution) or a frame of the track. */
  photo: z.enum(['take_photo', 'track_frame']),
});
export type CameraTools = z.output<typeof cameraToolsSchema>;

const tool = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.strictObject({ type: z.literal(type), sessionId, ...shape });

/** Console → server → phone: the technician's tools. The server relays each as is, to the session's Lens page. */
export const technicianTools = [
  /** `at` null: the pointer left the picture. */
  tool('tool.pointer', { at: pointSchema.nullable() }),
  tool('tool.stroke', { stroke: strokeSchema }),
  tool('tool.undo', {}),
  tool('tool.clear', {}),
  tool('tool.freeze', { frozen: z.boolean() }),
  tool('tool.torch', { on: z.boolean() }),
  /** A `zoom` value inside the range the phone reported. */
  tool('tool.zoom', { level: z.number().min(0).max(1000) }),
  /** Switch to the phone's other camera. */
  tool('tool.camera', {}),
] as const;
export type TechnicianTool = z.output<(typeof technicianTools)[number]>;

/** Chat, either side. The text is checked like the EULA's (text.ts, `text`), 1..CHAT_TEXT_MAX characters, by the server. */
export const chatSendSchema = { type: z.literal('chat.send'), text: z.string() };
export { CHAT_TEXT_MAX };

/** Phone → server → console. */
export const customerTools = [
  z.strictObject({ type: z.literal('tool.camera_state'), tools: cameraToolsSchema }),
  /** The phone could not take the requested snapshot (no camera frame, or its encoder failed). */
  z.strictObject({
    type: z.literal('snapshot.failed'),
    snapshotId: z.uuid(),
    code: z.enum(['no_camera', 'capture_failed', 'upload_failed']),
  }),
] as const;

export const chatMessageViewSchema = z.strictObject({
  id: z.uuid(),
  from: z.enum(['technician', 'customer']),
  text: z.string(),
  sentAt: z.iso.datetime(),
});
export type ChatMessageView = z.output<typeof chatMessageViewSchema>;

/** A snapshot as listed (GET /api/sessions/:id/snapshots) and announced (snapshot.stored). */
export const snapshotViewSchema = z.strictObject({
  id: z.uuid(),
  takenAt: z.iso.datetime(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  bytes: z.number().int().positive(),
  /** Hex SHA-256 of the bytes GET /api/snapshots/:id answers. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  contentType: z.enum(['image/jpeg', 'image/png', 'image/webp']),
  /** An annotated copy: the strokes drawn on the frozen picture, over the photo `sourceId`. */
  annotated: z.boolean(),
  sourceId: z.uuid().nullable(),
  /** Taken while the picture was frozen: the phone's frozen frame, not a new photo. */
  frozen: z.boolean(),
});
export type SnapshotView = z.output<typeof snapshotViewSchema>;

/** The 202 of POST /api/sessions/:id/snapshots: the phone was asked. */
export const snapshotRequestViewSchema = z.strictObject({
  id: z.uuid(),
  sessionId,
  status: z.literal('requested'),
  requestedAt: z.iso.datetime(),
});
export type SnapshotRequestView = z.output<typeof snapshotRequestViewSchema>;

/** Server → both sides (console: its joined session's; Lens: its own). */
export const toolEvents = [
  ...technicianTools,
  z.strictObject({ type: z.literal('tool.camera_state'), sessionId, tools: cameraToolsSchema }),
  z.strictObject({ type: z.literal('chat.message'), sessionId, message: chatMessageViewSchema }),
  /** To the phone: take a snapshot and upload it to POST /api/lens/snapshots/:snapshotId. */
  z.strictObject({ type: z.literal('snapshot.request'), sessionId, snapshotId: z.uuid() }),
  /** To the console: the photo is stored. To the phone: one was taken (it says so). */
  z.strictObject({ type: z.literal('snapshot.stored'), sessionId, snapshot: snapshotViewSchema }),
  z.strictObject({
    type: z.literal('snapshot.failed'),
    sessionId,
    snapshotId: z.uuid(),
    code: z.enum(['no_camera', 'capture_failed', 'upload_failed', 'timed_out']),
  }),
] as const;

export type ToolMessageType = TechnicianTool['type'] | 'chat.send' | 'tool.camera_state' | 'snapshot.failed';

/**
 * Who may send each message, in which states, and how many per second per
 * socket (a token bucket: `perSecond` refill, `burst` capacity). Past the rate
 * a message is dropped with one `rate_limited` error a second; in another
 * state or from the other side it is refused with `tool_not_allowed`.
 * Pointer and strokes stream at display rate (60/s) with room for a burst;
 * everything a person clicks is a few a second.
 */
export const TOOL_RULES: Record<
  ToolMessageType,
  {
    from: 'technician' | 'customer' | 'both';
    states: readonly ('active' | 'on_hold')[];
    perSecond: number;
    burst: number;
  }
> = {
  'tool.pointer': { from: 'technician', states: ['active'], perSecond: 90, burst: 120 },
  'tool.stroke': { from: 'technician', states: ['active'], perSecond: 90, burst: 120 },
  'tool.undo': { from: 'technician', states: ['active'], perSecond: 10, burst: 20 },
  'tool.clear': { from: 'technician', states: ['active'], perSecond: 5, burst: 10 },
  'tool.freeze': { from: 'technician', states: ['active'], perSecond: 5, burst: 10 },
  'tool.torch': { from: 'technician', states: ['active'], perSecond: 5, burst: 10 },
  'tool.zoom': { from: 'technician', states: ['active'], perSecond: 30, burst: 40 },
  'tool.camera': { from: 'technician', states: ['active'], perSecond: 2, burst: 4 },
  'chat.send': { from: 'both', states: ['active', 'on_hold'], perSecond: 2, burst: 10 },
  'tool.camera_state': { from: 'customer', states: ['active', 'on_hold'], perSecond: 10, burst: 20 },
  'snapshot.failed': { from: 'customer', states: ['active', 'on_hold'], perSecond: 5, burst: 10 },
};
