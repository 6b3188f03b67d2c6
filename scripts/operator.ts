import { hostname, userInfo } from 'node:os';
import type { AuditParty } from '../lib/observability/audit.js';

/**
 * Who runs an operator CLI, as its audit events name them: the OS user and the machine. The AWS
 * principal would need an STS call the CLIs do not otherwise make; CloudTrail records it beside
 * the DynamoDB and KMS calls the same command made.
 */
export function operatorActor(): AuditParty {
  return { type: 'operator', id: `${userInfo().username}@${hostname()}` };
}
