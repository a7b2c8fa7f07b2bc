// State shared between the header (search) and the map page: the map last loaded, and
// requests to fly to a node.
import type { MapModel } from "./map/model";

type FlyListener = (id: string) => void;

export const shared: { model: MapModel | null; fly: FlyListener | null } = { model: null, fly: null };
