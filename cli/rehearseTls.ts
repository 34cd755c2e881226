/**
 * TLS for a dress rehearsal: a CA made up for the run (openssl, one day, never written outside the
 * run's temp dir) and one server certificate for every host the stack names, and TLS listeners that
 * terminate TLS with it in front of the sandbox, its Stripe emulator and the local receivers.
 * Clients check the certificate against the URL's host name as usual; they trust the CA through
 * NODE_EXTRA_CA_CERTS (child processes) or the resolver map's `ca` (this process).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { connect, type AddressInfo, type Socket } from "node:net";
import path from "node:path";
import * as tls from "node:tls";

/** A CA and a server certificate for `hosts`, as PEM files in a folder. */
export interface RehearsalCerts {
  /** The CA certificate (for NODE_EXTRA_CA_CERTS). */
  caFile: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** Where openssl is looked for (the Debian path first; then PATH). */
export const OPENSSL = ["/usr/bin/openssl", "openssl"] as const;

function openssl(args: string[], cwd: string): void {
  let last: unknown;
  for (const bin of OPENSSL) {
    try {
      execFileSync(bin, args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
      return;
    } catch (e) {
      last = e;
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") break;
    }
  }
  const err = last as { stderr?: Buffer; message?: string };
  throw new Error(`openssl ${args[0]} failed: ${err.stderr?.toString().trim() || err.message}`);
}

/** Makes the CA and one certificate naming every host (DNS names and IP addresses) in `dir`. */
export function makeRehearsalCerts(dir: string, hosts: readonly string[]): RehearsalCerts {
  if (hosts.length === 0) throw new Error("makeRehearsalCerts: no host to certify");
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=golive rehearsal CA (throw-away)",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
  openssl(["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=golive rehearsal"], dir);
  const san = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(",");
  writeFileSync(path.join(dir, "server.ext"), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`);
  openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "1", "-extfile", "server.ext"], dir);
  const read = (f: string) => readFileSync(path.join(dir, f), "utf8");
  return { caFile: path.join(dir, "ca.pem"), caPem: read("ca.pem"), certPem: read("server.pem"), keyPem: read("server.key") };
}

/** A TLS listener on 127.0.0.1 that hands each connection, decrypted, to a plain local port. */
export interface TlsFront {
  port: number;
  close(): Promise<void>;
}

/** Starts a TLS front for `127.0.0.1:targetPort` (HTTP passes through byte for byte). */
export async function startTlsFront(certs: Pick<RehearsalCerts, "certPem" | "keyPem">, targetPort: number): Promise<TlsFront> {
  const sockets = new Set<Socket>();
  const server = tls.createServer({ cert: certs.certPem, key: certs.keyPem }, (client) => {
    const upstream = connect(targetPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => (s === client ? upstream : client).destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  // A client that gives up mid-handshake is not this front's problem.
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
