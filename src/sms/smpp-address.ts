// How Loupe's sender and the customer's number are written in SMPP (TON, NPI, digits).

export type SmppAddress = { ton: number; npi: number; addr: string };

/**
 * SMPP 3.4 conventions for the sender: "+31…"/"0031…"/long digit strings are international
 * (TON 1, NPI 1 E.164), up to 8 digits a short code (TON 3 network specific), anything else
 * alphanumeric (TON 5; handsets show at most 11 characters).
 */
export function sourceAddress(sender: string): SmppAddress {
  const value = sender.trim();
  if (/^\+\d+$/.test(value)) return { ton: 1, npi: 1, addr: value.slice(1) };
  if (/^00\d+$/.test(value)) return { ton: 1, npi: 1, addr: value.slice(2) };
  if (/^\d{1,8}$/.test(value)) return { ton: 3, npi: 0, addr: value };
  if (/^\d+$/.test(value)) return { ton: 1, npi: 1, addr: value };
  return { ton: 5, npi: 0, addr: value };
}

/** E.164 "+31612345678" → TON 1, NPI 1, "31612345678"; undefined for anything else. */
export function destinationAddress(e164: string): SmppAddress | undefined {
  return /^\+[1-9]\d{1,14}$/.test(e164) ? { ton: 1, npi: 1, addr: e164.slice(1) } : undefined;
}
