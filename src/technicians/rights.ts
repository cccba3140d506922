// Rights and group settings are named in the contract shared with the web app.
export { groupSettingsSchema, rightSchema } from '../contract/inputs.ts';
export { DEFAULT_GROUP_SETTINGS, hasRight, RIGHTS, type Right } from '../contract/rights.ts';
