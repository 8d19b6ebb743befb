/** The direct connection over TLS, against a real redis-server with a certificate from a CA the test makes. */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import Redis from "ioredis";
import * as os from "os";
import * as path from "path";
import { DirectConnection, StreamGroupsInputs } from "../../components/stream-groups/inputs";
import { streamGroupsProvider as provider } from "../../components/stream-groups/provider";
import { RedisServer, freePort } from "../helpers/redis-server";

function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
    const file = (name: string) => path.join(dir, name);
    const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=dsm-test-ca",
        "-keyout",
        file("ca.key"),
        "-out",
        file("ca.crt"),
    );
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        file("redis.key"),
        "-out",
        file("redis.csr"),
    );
    fs.writeFileSync(file("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    openssl(
        "x509",
        "-req",
        "-in",
        file("redis.csr"),
        "-CA",
        file("ca.crt"),
        "-CAkey",
        file("ca.key"),
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        file("san.ext"),
        "-out",
        file("redis.crt"),
    );
    return { ca: file("ca.crt"), cert: file("redis.crt"), key: file("redis.key") };
}

describe("stream-groups provider over TLS", function () {
    this.timeout(30_000);
    let server: RedisServer;
    let tlsPort: number;
    let ca: string;
    let dir: string;

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-redis-tls-"));
        const certs = makeCertificates(dir);
        ca = fs.readFileSync(certs.ca, "utf8");
        tlsPort = await freePort();
        server = await RedisServer.start({
            config: [
                `tls-port ${tlsPort}`,
                `tls-cert-file ${certs.cert}`,
                `tls-key-file ${certs.key}`,
                `tls-ca-cert-file ${certs.ca}`,
                "tls-auth-clients no",
            ],
        });
    });
    after(async () => {
        await server.destroy();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const inputs = (tls: DirectConnection["tls"], timeout = 10): StreamGroupsInputs => ({
        stream: "dsm:events",
        groups: [{ name: "sprint-service", startId: "0" }],
        connection: { host: "127.0.0.1", port: tlsPort, tls },
        readinessTimeoutSeconds: timeout,
        deleteStreamOnDelete: false,
    });

    it("creates the groups over TLS, verifying the server against the given CA and name", async () => {
        await provider.create(inputs({ ca, servername: "localhost" }));
        const plain = new Redis({ host: "127.0.0.1", port: server.port });
        assert.strictEqual(((await plain.xinfo("GROUPS", "dsm:events")) as unknown[]).length, 1);
        plain.disconnect();
    });

    it("fails at once, naming the certificate problem, when the server's certificate cannot be verified", async () => {
        const started = Date.now();
        await assert.rejects(
            provider.create(inputs(true)),
            /^Error: TLS to redis(s)?:\/\/127\.0\.0\.1:\d+ failed: .*certificate/,
        );
        assert.ok(Date.now() - started < 2000, "a certificate error is not retried until the timeout");
    });
});
