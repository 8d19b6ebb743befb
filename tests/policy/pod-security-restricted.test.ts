import * as assert from "assert";
import { podSecurityRestricted } from "../../policy/pod-security-restricted";
import { deployment, goodContainer, goodPod, messagesFor } from "../helpers/policy";

const check = (podSpec: Record<string, unknown>, type = "kubernetes:apps/v1:Deployment") =>
    messagesFor(podSecurityRestricted, type, deployment(podSpec));

describe("pod-security-restricted", () => {
    it("admits a restricted pod template", async () => {
        assert.deepStrictEqual(await check(goodPod()), []);
    });

    it("judges the pod template of a Deployment, with its full path in the message", async () => {
        const messages = await check(
            goodPod({ containers: [goodContainer({ securityContext: { capabilities: { drop: ["ALL"] } } })] }),
        );
        assert.deepStrictEqual(messages, [
            'Deployment dsm/app, container "app": spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation is (unset): privilege escalation is not explicitly disabled; expected false',
        ]);
    });

    it("requires runAsNonRoot and seccomp at pod level or on every container, ephemeral ones included", async () => {
        const pod = goodPod({
            securityContext: {},
            ephemeralContainers: [
                {
                    name: "debug",
                    image: "busybox:1",
                    securityContext: {
                        allowPrivilegeEscalation: false,
                        capabilities: { drop: ["ALL"] },
                        runAsNonRoot: true,
                    },
                },
            ],
        });
        const messages = await check(pod);
        assert.ok(messages.some((m) => /container "app".*runAsNonRoot is \(unset\)/.test(m)));
        assert.ok(!messages.some((m) => /container "debug".*runAsNonRoot/.test(m)));
        assert.ok(messages.some((m) => /container "debug".*seccompProfile\.type is \(unset\)/.test(m)));
    });

    it("relaxes runAsNonRoot and runAsUser for user-namespaced pods (hostUsers: false)", async () => {
        const pod = goodPod({
            hostUsers: false,
            securityContext: { runAsUser: 0, seccompProfile: { type: "RuntimeDefault" } },
        });
        assert.deepStrictEqual(await check(pod), []);
        assert.strictEqual((await check({ ...pod, hostUsers: true })).length, 2);
    });

    it("exempts Windows pods from the Linux-only controls", async () => {
        const pod = {
            os: { name: "windows" },
            securityContext: { runAsNonRoot: true },
            containers: [{ name: "w", image: "x:1" }],
        };
        assert.deepStrictEqual(await check(pod), []);
        assert.ok((await check({ ...pod, os: { name: "linux" } })).length >= 3);
    });

    it("judges only what a patch sets", async () => {
        const patch = { containers: [{ name: "app", image: "redis:7.2-alpine" }] };
        assert.deepStrictEqual(await check(patch, "kubernetes:apps/v1:DeploymentPatch"), []);
        const privileged = { containers: [{ name: "app", securityContext: { privileged: true } }] };
        assert.match(
            (await check(privileged, "kubernetes:apps/v1:DeploymentPatch"))[0],
            /privileged is true: the container is privileged/,
        );
    });

    it("reads AppArmor annotations from the pod template's metadata", async () => {
        const props = deployment(goodPod());
        const template = (props.spec as { template: { metadata: Record<string, unknown> } }).template;
        template.metadata.annotations = {
            "container.apparmor.security.beta.kubernetes.io/app": "unconfined",
        };
        const [message] = await messagesFor(podSecurityRestricted, "kubernetes:apps/v1:Deployment", props);
        assert.match(
            message,
            /spec\.template\.metadata\.annotations\["container\.apparmor\.security\.beta\.kubernetes\.io\/app"\] is "unconfined"/,
        );
    });

    it("exempts the namespaces named in exemptNamespaces, and only those", async () => {
        const privileged = goodPod({
            containers: [
                goodContainer({
                    securityContext: {
                        privileged: true,
                        allowPrivilegeEscalation: false,
                        capabilities: { drop: ["ALL"] },
                    },
                }),
            ],
        });
        const props = deployment(privileged);
        (props.metadata as { namespace: string }).namespace = "node-agents";
        assert.deepStrictEqual(
            await messagesFor(podSecurityRestricted, "kubernetes:apps/v1:Deployment", props, {
                exemptNamespaces: ["node-agents"],
            }),
            [],
        );
        assert.strictEqual(
            (
                await messagesFor(podSecurityRestricted, "kubernetes:apps/v1:Deployment", props, {
                    exemptNamespaces: ["other"],
                })
            ).length,
            1,
        );
    });

    it("skips values unknown during preview", async () => {
        const unknownBool = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7";
        const pod = goodPod({
            containers: [
                goodContainer({
                    securityContext: { allowPrivilegeEscalation: unknownBool, capabilities: { drop: ["ALL"] } },
                }),
            ],
        });
        assert.deepStrictEqual(await check(pod), []);
    });
});
