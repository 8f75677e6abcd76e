/** From a uWS room topic back to the mirrored room (topics.ts builds them: `room/<rid>` or `<multiRoomPrefix><rid>`). */
import type { Room, RoomRegistry } from '../actors/rooms.js';
import { ROOM_PREFIX } from '../pubsub/topics.js';

export function roomOfTopic(registry: RoomRegistry, topic: string, multiRoomPrefix: string): Room | undefined {
  let rid: string;
  if (topic.startsWith(ROOM_PREFIX)) rid = topic.slice(ROOM_PREFIX.length);
  else if (topic.startsWith(multiRoomPrefix)) rid = topic.slice(multiRoomPrefix.length);
  else return undefined;
  const room = registry.get(rid);
  // The same rid under the other prefix is another kind's topic, not this room.
  return room !== undefined && room.topic === topic ? room : undefined;
}
