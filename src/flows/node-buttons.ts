// Buttons about a whole grid node (`nx:<action>:<node id>`): 查看清单 on an evening sweep sends the
// node's open disputes privately to the cadre who pressed it. The data is forgeable: the service
// checks the presser's place in the tree.
import { parseNodeActionData } from '../domain/index.js';
import { sendDisputeList } from '../services/dispute-list.js';
import { say } from './next.js';
import type { CallbackHandler } from './types.js';

export const nodeButtons: CallbackHandler = async (data, c) => {
  const parsed = parseNodeActionData(data);
  if (!parsed || !c.sender) return { notice: say('flows:act.failed.not_found') };
  if (parsed.action !== 'disputes') return { notice: say('flows:common.stale') };
  const r = await sendDisputeList(c.svc, c.sender.person.id, parsed.nodeId);
  return { notice: r.ok ? say('flows:act.list_sent', { count: r.count }) : say(`flows:act.failed.${r.code}`) };
};
