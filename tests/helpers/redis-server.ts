/** The tests' redis-server helper lives with the scripts, which the benchmark shares it with. */
export { RedisServer, RedisServerOptions, freePort } from "../../testbed/redis-server";
