// SMPP command statuses: their names for logs, and which of them are worth a retry.
import smpp from 'smpp';

export const { ESME_RTHROTTLED, ESME_RINVBNDSTS } = smpp.errors;
const { ESME_RMSGQFUL, ESME_RSYSERR, ESME_RX_T_APPN } = smpp.errors;

/** Refusals that may go away by themselves (the outbox tries again later). */
export const TRANSIENT_STATUSES = new Set([
  ESME_RTHROTTLED,
  ESME_RMSGQFUL,
  ESME_RSYSERR,
  ESME_RX_T_APPN,
  ESME_RINVBNDSTS,
]);
const statusNames = new Map(Object.entries(smpp.errors).map(([name, status]) => [status, name]));

/** "ESME_RINVDSTADR (0x0000000B)" */
export function describeStatus(status: number): string {
  const hex = `0x${status.toString(16).toUpperCase().padStart(8, '0')}`;
  const name = statusNames.get(status);
  return name ? `${name} (${hex})` : hex;
}
