/** The rendered haproxy.cfg, both ways it renders, is one HAProxy itself accepts (`haproxy -c`). */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderHaproxyConf } from "../../components/render/haproxy-conf";

describe("haproxy.cfg (real haproxy -c)", () => {
    for (const resolveNames of [false, true]) {
        it(`is valid ${resolveNames ? "with names re-resolved (the cluster)" : "with addresses (loopback)"}`, () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-redis-haproxy-"));
            try {
                const file = path.join(dir, "haproxy.cfg");
                const nodes = resolveNames ? ["localhost", "localhost", "localhost"] : ["127.0.0.2", "127.0.0.3"];
                fs.writeFileSync(
                    file,
                    renderHaproxyConf({
                        bind: { host: "127.0.0.1", port: 7000 },
                        nodes,
                        redisPort: 7001,
                        resolveNames,
                    }),
                );
                const check = spawnSync("haproxy", ["-c", "-f", file], { encoding: "utf8" });
                assert.strictEqual(check.status, 0, check.stdout + check.stderr);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }
});
