// The Lens session inputs live in the contract shared with the web app.
export {
  type CreateSessionInput,
  createSessionInput,
  eulaInput,
  type RedeemInput,
  redeemInput,
} from '../contract/inputs.ts';
