/** Every process of the local cluster listens on loopback only, and is known by its PID. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { localCluster } from "./hooks";

/** The listening sockets of a process, as address:port, read from /proc (socket inodes, then the kernel's tables). */
function listeningAddresses(pid: number): string[] {
    const inodes = new Set(
        fs
            .readdirSync(`/proc/${pid}/fd`)
            .map((fd) => {
                try {
                    return /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
                } catch {
                    return undefined;
                }
            })
            .filter((inode): inode is string => inode !== undefined),
    );
    const addresses: string[] = [];
    for (const table of ["tcp", "tcp6"]) {
        for (const line of fs.readFileSync(`/proc/${pid}/net/${table}`, "utf8").trim().split("\n").slice(1)) {
            const fields = line.trim().split(/\s+/);
            const [local, , state, , , , , , inode] = fields.slice(1);
            if (state !== "0A" || !inodes.has(inode)) continue; // 0A: LISTEN
            const [hex, port] = local.split(":");
            const address =
                hex.length === 8
                    ? hex
                          .match(/../g)!
                          .reverse()
                          .map((b) => parseInt(b, 16))
                          .join(".")
                    : hex === "00000000000000000000000001000000"
                      ? "::1"
                      : hex === "00000000000000000000000000000000"
                        ? "::"
                        : hex;
            addresses.push(`${address}:${parseInt(port, 16)}`);
        }
    }
    return addresses;
}

describe("the local cluster's processes", () => {
    it("listen on loopback only", () => {
        const state = localCluster();
        const redisPid = Number(fs.readFileSync(path.join(state.dir, "redis", "redis-server.pid"), "utf8"));
        const processes = [
            ...state.processes.map((p) => ({ name: p.name, pid: p.pid })),
            { name: "redis-server", pid: redisPid },
        ];
        const listening = processes.map((p) => ({ name: p.name, addresses: listeningAddresses(p.pid) }));
        for (const name of [
            "etcd",
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler",
            "kwok",
            "redis-server",
        ]) {
            assert.ok(listening.find((l) => l.name === name)!.addresses.length > 0, `${name} listens somewhere`);
        }
        const outside = listening.flatMap((l) =>
            l.addresses.filter((a) => !a.startsWith("127.") && !a.startsWith("::1:")).map((a) => `${l.name} ${a}`),
        );
        assert.deepStrictEqual(outside, []);
    });
});
