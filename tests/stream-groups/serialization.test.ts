/**
 * The provider as Pulumi stores it: serialized into `__provider` by the closure serializer. Refresh and delete run
 * that text, not today's code, so it must stand alone, capture no secret and no live client, and load its libraries
 * by package name.
 */
import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import Module from "module";
import * as path from "path";
import Redis from "ioredis";
import { RedisStreamGroups } from "../../components/stream-groups/resource";
import { RedisServer } from "../helpers/redis-server";

const PASSWORD = "serialization-test-password-7f3a";
const KUBECONFIG = "apiVersion: v1\nkind: Config\n# serialization-test-kubeconfig\n";

interface Recorded {
    type: string;
    inputs: Record<string, unknown>;
}

/** Loads serialized provider text the way the dynamic provider host does: a module whose `handler()` returns it. */
function loadSerializedProvider(text: string): pulumi.dynamic.ResourceProvider {
    const filename = path.join(__dirname, "..", "..", "serialized-provider.js");
    const mod = new Module(filename);
    mod.filename = filename;
    mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
        path.dirname(filename),
    );
    (mod as unknown as { _compile(code: string, file: string): void })._compile(text, filename);
    return (mod.exports as { handler(): pulumi.dynamic.ResourceProvider }).handler();
}

describe("the stream-groups provider, serialized into state", function () {
    this.timeout(60_000);
    const recorded: Recorded[] = [];
    let resource: RedisStreamGroups;

    before(async () => {
        pulumi.runtime.setAllConfig({});
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    recorded.push({ type: args.type, inputs: args.inputs });
                    return { id: `${args.name}-id`, state: args.inputs };
                },
                call: (args) => args.inputs,
            },
            "dsm-redis",
            "dev",
            false,
        );
        resource = new RedisStreamGroups("bus", {
            connection: {
                namespace: "dsm",
                service: "redis",
                port: 6379,
                password: pulumi.secret(PASSWORD),
                kubeconfig: pulumi.secret(KUBECONFIG),
            },
        });
        await new Promise((resolve) => resource.urn.apply(resolve));
    });

    const providerText = () => {
        const entry = recorded.find((r) => r.type === "pulumi-nodejs:dynamic/dsm:RedisStreamGroups");
        assert.ok(entry, `registered: ${recorded.map((r) => r.type).join(", ")}`);
        return String(entry.inputs.__provider);
    };

    it("registers as pulumi-nodejs:dynamic/dsm:RedisStreamGroups, with the connection a secret", async () => {
        assert.ok(recorded.some((r) => r.type === "pulumi-nodejs:dynamic/dsm:RedisStreamGroups"));
        assert.strictEqual(await pulumi.isSecret(resource.connection), true);
        // Secret as a whole, even when no field of it was given as a secret.
        const plain = new RedisStreamGroups("plain", { connection: { host: "127.0.0.1", port: 6379 } });
        assert.strictEqual(await pulumi.isSecret(plain.connection), true);
        assert.strictEqual(await pulumi.isSecret(resource.stream), false);
    });

    it("captures neither the password nor the kubeconfig", () => {
        const text = providerText();
        assert.ok(!text.includes(PASSWORD), "the password is in __provider");
        assert.ok(!text.includes("serialization-test-kubeconfig"), "the kubeconfig is in __provider");
    });

    it("requires ioredis and the Kubernetes client by package name, inside functions", () => {
        const text = providerText();
        assert.match(text, /require\("ioredis"\)/);
        assert.match(text, /require\("@kubernetes\/client-node"\)/);
        assert.doesNotMatch(text, /ioredis\/built|client-node\/dist/);
        assert.doesNotMatch(text, /class Redis\b|Commander\.prototype/, "a live ioredis object was serialized");
    });

    it("runs from its serialized text alone: check, then create against a real redis-server", async () => {
        const provider = loadSerializedProvider(providerText());
        const server = await RedisServer.start();
        try {
            const news = {
                connection: { host: "127.0.0.1", port: server.port },
                stream: "dsm:events",
                groups: [{ name: "sprint-service" }],
            };
            const checked = await provider.check!({}, news);
            assert.strictEqual(checked.failures, undefined);
            await provider.create(checked.inputs);
            const client = new Redis({ host: "127.0.0.1", port: server.port });
            assert.strictEqual(((await client.xinfo("GROUPS", "dsm:events")) as unknown[]).length, 1);
            client.disconnect();
        } finally {
            await server.destroy();
        }
    });
});
