// The governance routes (docs/governance.md): read keys, channel rules, the change log and campaign
// hygiene, gathered in one router that app.ts mounts under /v1, behind the key check.
import { changes } from './changes';
import { channelRules } from './channel-rules';
import { keys } from './keys';
import { createRouter } from './openapi-router';

export const governance = createRouter();
governance.route('/', keys);
governance.route('/', channelRules);
governance.route('/', changes);
