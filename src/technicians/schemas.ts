// The admin API's inputs live in the contract shared with the web app.
export {
  type CreateGroupInput,
  type CreateTechnicianInput,
  createGroupInput,
  createTechnicianInput,
  emailSchema,
  idParam,
  resetPasswordInput,
  type UpdateGroupInput,
  type UpdateTechnicianInput,
  updateGroupInput,
  updateTechnicianInput,
} from '../contract/inputs.ts';
