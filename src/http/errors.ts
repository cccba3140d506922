// Typed domain errors. Verbs throw these; one onError handler (app.ts) maps
// them to `{ "error": { "code", "message" } }` and a status. Anything else
// becomes a 500 without details, so no stack trace ever reaches a client.

export type ErrorDetail = { path: string; message: string };

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export class Invalid extends AppError {
  constructor(message: string, details?: ErrorDetail[]) {
    super(400, 'invalid_request', message, details);
  }
}
export class Unauthorized extends AppError {
  constructor(message = 'Sign in first.') {
    super(401, 'unauthorized', message);
  }
}
export class Forbidden extends AppError {
  constructor(message = 'You are not allowed to do this.', code = 'forbidden') {
    super(403, code, message);
  }
}
export class NotFound extends AppError {
  constructor(message = 'Not found.') {
    super(404, 'not_found', message);
  }
}
export class Conflict extends AppError {
  constructor(message: string, code = 'conflict') {
    super(409, code, message);
  }
}
export class PayloadTooLarge extends AppError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `The request body is larger than ${limitBytes} bytes.`);
  }
}
export class UnsupportedMediaType extends AppError {
  constructor() {
    super(415, 'unsupported_media_type', 'Send the body as JSON with content-type: application/json.');
  }
}
export class RateLimited extends AppError {
  constructor(message: string, retryAfterSeconds: number) {
    super(429, 'rate_limited', message, undefined, {
      'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }
}

export class Unavailable extends AppError {
  constructor(message: string, code = 'unavailable') {
    super(503, code, message, undefined, { 'retry-after': '5' });
  }
}

export function errorBody(code: string, message: string, details?: ErrorDetail[]) {
  return { error: details?.length ? { code, message, details } : { code, message } };
}
