/**
 * The local control plane's certificates, made with openssl: one CA, a serving certificate for 127.0.0.1 (the API
 * server's and KWOK's), an admin client certificate in `system:masters`, and the service-account signing key.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface Pki {
    readonly caCert: string;
    readonly caKey: string;
    readonly servingCert: string;
    readonly servingKey: string;
    readonly adminCert: string;
    readonly adminKey: string;
    readonly serviceAccountKey: string;
    readonly serviceAccountPublicKey: string;
}

/** Names the API server answers to: loopback, and the in-cluster `kubernetes` Service (first IP of the range). */
const SERVING_NAMES = [
    "IP:127.0.0.1",
    "IP:10.96.0.1",
    "DNS:localhost",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
];

function openssl(args: string[], cwd: string): void {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** A key and a certificate signed by the CA, with the given subject and extensions. */
function signed(dir: string, name: string, subject: string, extensions: string[]): void {
    openssl(
        [
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            `${name}.key`,
            "-out",
            `${name}.csr`,
            "-subj",
            subject,
        ],
        dir,
    );
    fs.writeFileSync(path.join(dir, `${name}.ext`), extensions.join("\n") + "\n");
    openssl(
        [
            "x509",
            "-req",
            "-in",
            `${name}.csr`,
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-out",
            `${name}.crt`,
            "-extfile",
            `${name}.ext`,
        ],
        dir,
    );
}

export function createPki(dir: string): Pki {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    openssl(
        [
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "30",
            "-subj",
            "/CN=dsm-redis-local-ca",
        ],
        dir,
    );
    signed(dir, "serving", "/CN=kube-apiserver", [
        "basicConstraints=CA:FALSE",
        "keyUsage=digitalSignature,keyEncipherment",
        "extendedKeyUsage=serverAuth",
        `subjectAltName=${SERVING_NAMES.join(",")}`,
    ]);
    signed(dir, "admin", "/O=system:masters/CN=dsm-redis-admin", [
        "basicConstraints=CA:FALSE",
        "keyUsage=digitalSignature,keyEncipherment",
        "extendedKeyUsage=clientAuth",
    ]);
    openssl(["genrsa", "-out", "service-account.key", "2048"], dir);
    openssl(["rsa", "-in", "service-account.key", "-pubout", "-out", "service-account.pub"], dir);
    const at = (file: string) => path.join(dir, file);
    return {
        caCert: at("ca.crt"),
        caKey: at("ca.key"),
        servingCert: at("serving.crt"),
        servingKey: at("serving.key"),
        adminCert: at("admin.crt"),
        adminKey: at("admin.key"),
        serviceAccountKey: at("service-account.key"),
        serviceAccountPublicKey: at("service-account.pub"),
    };
}

/** A kubeconfig for the admin, with every certificate embedded, so that it can be passed as contents. */
export function adminKubeconfig(pki: Pki, server: string): string {
    const data = (file: string) => fs.readFileSync(file).toString("base64");
    return [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "  - name: dsm-local",
        "    cluster:",
        `      server: ${server}`,
        `      certificate-authority-data: ${data(pki.caCert)}`,
        "users:",
        "  - name: dsm-local-admin",
        "    user:",
        `      client-certificate-data: ${data(pki.adminCert)}`,
        `      client-key-data: ${data(pki.adminKey)}`,
        "contexts:",
        "  - name: dsm-local",
        "    context:",
        "      cluster: dsm-local",
        "      user: dsm-local-admin",
        "current-context: dsm-local",
        "",
    ].join("\n");
}
