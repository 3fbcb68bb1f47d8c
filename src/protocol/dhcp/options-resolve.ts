// Which options a reply carries. Levels override each other in the order global →
// subnet → pool → class (in configuration order) → reservation. A reply carries the
// options the client asked for in option 55 (in its order), then the always-send
// ones; a client that sent no option 55 gets every configured option. Of two classes
// that set one option, the one listed first in the config wins.
import type { ClassModel, DhcpModel, OptionLayer, PoolModel, ReservationModel, SubnetModel } from './model.js';

export interface ResolvedOptions {
  readonly data: ReadonlyMap<number, Buffer>;
  readonly alwaysSend: ReadonlySet<number>;
}

export function resolveOptions(
  model: DhcpModel,
  subnet: SubnetModel,
  pool: PoolModel | undefined,
  classes: readonly ClassModel[],
  reservation: ReservationModel | undefined,
): ResolvedOptions {
  const layers: OptionLayer[] = [model.globalOptions, subnet.options];
  if (pool) layers.push(pool.options);
  for (let i = classes.length - 1; i >= 0; i--) layers.push(classes[i]!.options);
  if (reservation) layers.push(reservation.options);
  const data = new Map<number, Buffer>();
  const alwaysSend = new Set<number>();
  for (const layer of layers) {
    for (const [code, value] of layer.data) data.set(code, value);
    for (const code of layer.alwaysSend) alwaysSend.add(code);
  }
  return { data, alwaysSend };
}

/** Codes the server fills in itself; configured values for them are ignored. */
const SERVER_OWNED = new Set([50, 51, 52, 53, 54, 55, 57, 58, 59, 61, 82]);

/** The configured options for this reply, in the order they go on the wire. */
export function selectOptions(resolved: ResolvedOptions, prl: Buffer | undefined): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  const seen = new Set<number>();
  const add = (code: number) => {
    if (seen.has(code) || SERVER_OWNED.has(code)) return;
    const v = resolved.data.get(code);
    if (v === undefined) return;
    seen.add(code);
    out.push([code, v]);
  };
  if (prl === undefined) {
    for (const code of resolved.data.keys()) add(code);
    return out;
  }
  for (const code of prl) add(code);
  for (const code of resolved.alwaysSend) add(code);
  return out;
}

type OptionList = readonly (readonly [number, Buffer])[];

/**
 * The options of a reply, resolved and selected once per distinct (subnet, pool, classes,
 * reservation, option 55) and reused: the model is frozen, so the answer never changes.
 * `lead` are the options that precede the configured ones (the subnet's times and mask),
 * built once per subnet by the caller. Bounded: the cache starts over when it holds
 * `maxEntries` lists (option 55 is client input, so the keys are too).
 */
export class ReplyOptionsCache {
  private readonly lists = new Map<string, OptionList>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;

  constructor(private readonly model: DhcpModel, private readonly maxEntries = 4096) {}

  get size(): number {
    return this.lists.size;
  }

  get(
    subnet: SubnetModel,
    pool: PoolModel | undefined,
    classes: readonly ClassModel[],
    reservation: ReservationModel | undefined,
    prl: Buffer | undefined,
    lead: (subnet: SubnetModel) => OptionList,
  ): OptionList {
    let key = `${this.id(subnet)}/${pool ? this.id(pool) : 0}/${reservation ? this.id(reservation) : 0}/`;
    for (const c of classes) key += `${this.id(c)},`;
    key += prl === undefined ? '-' : prl.toString('latin1');
    let list = this.lists.get(key);
    if (list === undefined) {
      const resolved = resolveOptions(this.model, subnet, pool, classes, reservation);
      list = Object.freeze([...lead(subnet), ...selectOptions(resolved, prl)]);
      if (this.lists.size >= this.maxEntries) this.lists.clear();
      this.lists.set(key, list);
    }
    return list;
  }

  private id(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(o, id);
    }
    return id;
  }
}
