/** The loopback Slack stand-in: see SlackStandIn. */
export { buttonsOf } from './block-kit.js';
export {
  addToSlackLink,
  type InstallOutcome,
  type InstallTarget,
  installThroughBrowser,
} from './browser-install.js';
export { type Fault, type FaultAction, type FaultInput, FaultSwitch, parseFault } from './faults.js';
export { type SlackSignatureHeaders, signSlackRequest } from './signing.js';
export { SlackStandIn } from './slack-standin.js';
export { StandInWorkspace } from './standin-workspace.js';
export type * from './types.js';
