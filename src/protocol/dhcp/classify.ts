// Client classes: the configured classes a client matches, plus those its reservation names.
import type { ClientInfo } from './client.js';
import type { ClassModel, ReservationModel } from './model.js';

/** The classes the client is in, in configuration order (the first one wins an option two set). */
export function classify(classes: readonly ClassModel[], client: ClientInfo, giaddr: number, reservation?: ReservationModel): ClassModel[] {
  const named = reservation?.classes;
  return classes.filter((c) => c.matches(client, giaddr) || (named !== undefined && named.includes(c.name)));
}
