/**
 * The commands' public entry point: what platform adapters may use of the command layer (the spec
 * that their grammar, options and help derive from, and the replies for bad input). Adapters import
 * this module, never the files behind it (test/architecture.test.ts checks).
 */
export {
  detailsAction,
  listPagingActions,
  livestreamActions,
  stopAction,
  stopConfirmAction,
  watchAction,
} from './actions.js';
export {
  alreadyClickedReply,
  type ClickGuard,
  createClickGuard,
  changesSharedState,
  type DecodedButton,
  decodeButton,
  encodeButton,
  expiredButtonReply,
  MAX_BUTTON_ID_LENGTH,
} from './buttons.js';
export { acceptValue, type ArgSpec, type ArgValueMap, type Choice, type RawValue, wordOf } from './args.js';
export type { Command, CommandProblem, InputError } from './command.js';
export { internalErrorReply, usageReply } from './describe-error.js';
export { commandLine, commandText } from './parse.js';
export {
  type ArgValuesOf,
  COMMAND_SPECS,
  type CommandName,
  findSpec,
  isCommandName,
  type SomeCommandSpec,
  specFor,
} from './spec.js';
export type { Args, ReadArgs } from './text-grammar.js';
export type { ListQuery } from '../realtimekit/types.js';
export { ISO_MAX_LENGTH } from '../realtimekit/validate.js';
