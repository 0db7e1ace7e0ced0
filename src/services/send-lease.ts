// A claim on a message to send is a lease: a sender marks it "sending" just before the platform
// call and records the result right after. A sender that dies mid-send leaves the claim to run
// out, and then any job (the reconciler's) may take it again. So a message goes out twice only
// when a process died between sending it and recording it. Longer than any one send may take
// (Telegram's slot wait plus the call, Slack's call with its retries).
export const SEND_LEASE_MS = 30_000;
