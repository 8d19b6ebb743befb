/**
 * A loopback relay that lets a client's pipeline reach the server only in part: it forwards the first `forward`
 * commands named `command`, and holds back everything the client sends after them. `answered` resolves once the server
 * has replied to every forwarded one, so a test can kill the server at an exact point instead of racing it.
 */
import { Relay, startRelay } from "../relay";

export interface CuttingRelay extends Relay {
    /** Resolves when the server has answered all the forwarded commands. */
    readonly answered: Promise<void>;
}

export interface CutOptions {
    /** The command to count, as sent in RESP (case-insensitive), such as `XGROUP`. */
    command: string;
    /** How many of those commands reach the server. */
    forward: number;
}

/** The RESP header of a command: array length, then the command name as the first bulk string. */
function commandHeader(command: string): RegExp {
    return new RegExp(`\\*\\d+\\r\\n\\$${command.length}\\r\\n${command}\\r\\n`, "gi");
}

export async function cuttingRelay(target: number, options: CutOptions): Promise<CuttingRelay> {
    let markAnswered: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (markAnswered = resolve));
    const relay = await startRelay(target, () => {
        let received = "";
        let forwarded = 0;
        let cut = false;
        let counting = false;
        let replies = 0;
        return {
            fromClient: (data) => {
                if (cut) return undefined;
                received += data.toString("latin1");
                const headers = [...received.matchAll(commandHeader(options.command))];
                const firstHeld = headers[options.forward];
                // A held command whose header straddled two chunks has had its first bytes forwarded already; the
                // server keeps them as an incomplete command that it never runs.
                let end = received.length;
                if (firstHeld?.index !== undefined) {
                    end = firstHeld.index;
                    cut = true;
                }
                if (end <= forwarded) return undefined;
                if (!counting && (headers[0]?.index ?? Infinity) < end) counting = true;
                const passed = Buffer.from(received.slice(forwarded, end), "latin1");
                forwarded = end;
                return passed;
            },
            fromServer: (data) => {
                // Replies to the counted commands are one line each (+OK or an -error), and the client sends them only
                // after its earlier round trips were answered, so every line from here on answers one of them.
                if (counting) {
                    replies += data.toString("latin1").split("\r\n").length - 1;
                    if (replies >= options.forward) markAnswered();
                }
                return data;
            },
        };
    });
    return { ...relay, answered };
}
