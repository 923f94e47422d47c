// SPDX-License-Identifier: GPL-2.0-only
/*
 * tunlab: watch a packet cross a VPN, step by step.  main() looks the
 * command up in one table (like ip or git) and runs it; the table also gives
 * `tunlab help`, every `COMMAND --help` and the man page.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct cli_command commands[] = {
	{ "up", "[--clients N] [--router] [--lan] [--ipv6] [--name NAME] [OPTION...]",
	  "build a lab: hosts in network namespaces joined by veth wires",
	  "Build a lab: each host is a network namespace, each \"wire\" a veth\n"
	  "pair, with addresses from documentation ranges, so no packet ever\n"
	  "leaves the lab.  Every command (ip, ethtool, sysctl) is printed as it\n"
	  "runs, so you can rebuild the lab by hand.  Then tunlab up returns and\n"
	  "a background process owns the lab until tunlab down.  Names carry a\n"
	  "random per-lab id (here 3fa2), so labs run side by side.\n"
	  "\n"
	  "The default lab, one VPN client and the VPN server:\n"
	  "\n"
	  "     mobile (VPN client)                  office (VPN server)\n"
	  "  +--------------------------+         +--------------------------+\n"
	  "  | netns tl3fa2-mobile      |  wire   | netns tl3fa2-office      |\n"
	  "  |                          | (veth)  |                          |\n"
	  "  | w0  tl3fa2m-w0           +---------+ w0  tl3fa2o-w0           |\n"
	  "  |     192.0.2.2/28         |         |     192.0.2.1/28         |\n"
	  "  | tun tl3fa2m-tun 10.8.0.2 |         | tun tl3fa2o-tun 10.8.0.1 |\n"
	  "  +--------------------------+         +--------------------------+\n"
	  "\n"
	  "  --clients 3:  mobile, mobile2, mobile3, each on its own wire\n"
	  "                (192.0.2.0/28, 192.0.2.16/28, 192.0.2.32/28)\n"
	  "  --router:     mobile --- internet --- office   (198.51.100.0/24)\n"
	  "  --lan:        office --- lan                   (172.16.1.0/24)\n"
	  "  (docs/labs.md draws them all.)\n"
	  "\n"
	  "  -t, --dev-type tun|tap  the tunnel's device type (default tun)\n"
	  "  -c, --clients N         N VPN clients: mobile, mobile2..N (1..16)\n"
	  "  -r, --router            an \"internet\" router between the clients\n"
	  "                          and office: the outer packet is routed\n"
	  "  -l, --lan               a LAN host behind office, which forwards\n"
	  "  -6, --ipv6              IPv6 addresses too (else IPv6 is off)\n"
	  "  -o, --offload           keep the wires' checksum and segmentation\n"
	  "                          offloads and run the VPN in its fast mode\n"
	  "                          (tunnel --offload); off by default: one\n"
	  "                          skb is one packet at every step\n"
	  "  -k, --keylog            the daemons write their TLS secrets to the\n"
	  "                          run dir, and tunlab trace embeds them, so\n"
	  "                          Wireshark shows the control channel\n"
	  "  -n, --name NAME         name the lab (default tl<id>)\n"
	  "  -q, --quiet             do not print the commands\n"
	  "  -f, --foreground        stay attached: Ctrl-C removes the lab\n",
	  cmd_up, CMD_NEEDS_ROOT },
	{ "status", "[--lab NAME]",
	  "show a lab: hosts, devices, addresses, routes",
	  "Show the lab's owner, options, wires, and for each host its\n"
	  "namespace, devices with addresses (ip -br addr) and routes.  With no\n"
	  "lab running it says so; with several, it lists them.\n"
	  "\n"
	  "  -L, --lab NAME  the lab (may be left out when only one runs)\n",
	  cmd_status, CMD_NEEDS_ROOT },
	{ "exec", "[--lab NAME] HOST -- CMD...",
	  "run a command inside a lab host",
	  "Run CMD inside HOST's network namespace (ip netns exec), e.g.\n"
	  "  tunlab exec mobile -- ping -c 3 192.0.2.1\n"
	  "The exit status is CMD's.  CMD finds TUNLAB_LAB, TUNLAB_HOST and\n"
	  "TUNLAB_PROBE (the lab's probe socket) in its environment; the lab\n"
	  "apps (tunlab app) publish their events there.\n"
	  "\n"
	  "  -L, --lab NAME  the lab (may be left out when only one runs)\n",
	  cmd_exec, CMD_NEEDS_ROOT },
	{ "down", "[--lab NAME | --stale | --all] [--quiet]",
	  "remove a lab, or every lab left behind by a killed run",
	  "Ask the lab's owner to remove the lab, and wait for it (10 s at\n"
	  "most); if the owner is gone or stuck, remove the lab from its state\n"
	  "file (" "/run/tunlab/NAME/state).\n"
	  "\n"
	  "  -L, --lab NAME  the lab (may be left out when only one runs)\n"
	  "  -s, --stale     remove every lab whose owner is gone (what a\n"
	  "                  SIGKILL left behind) and tracing instances of\n"
	  "                  exited tunlab runs; live labs are left alone\n"
	  "  -a, --all       remove every lab\n"
	  "  -q, --quiet     do not print the commands\n",
	  cmd_down, CMD_NEEDS_ROOT },
	{ "app", "chat|echo|send [options] [HOST]",
	  "run a lab app that reports its sends and receives (step 1)",
	  "The lab apps send and receive through the lab like any program,\n"
	  "and report each send (step 1) and receive (step 1') to the tracer.\n"
	  "Run them inside a lab host: tunlab exec mobile -- tunlab app ...\n"
	  "\n"
	  "  chat  a telnet-like line chat over TCP (port 23): type lines\n"
	  "  echo  UDP echo (port 7): one datagram out, the same one back\n"
	  "  send  a traffic generator, UDP (or --tcp), to port 9\n"
	  "\n"
	  "  -l, --server        serve instead of connecting to HOST\n"
	  "  -b, --bind ADDR     server: listen on ADDR only\n"
	  "  -p, --port PORT     another port\n"
	  "  -c, --count N       client: messages to send (echo 1, send 10);\n"
	  "                      chat --message: replies to wait for;\n"
	  "                      server: stop after N messages\n"
	  "  -s, --size BYTES    echo, send: payload size\n"
	  "  -r, --rate N        send: messages per second (0 = no limit)\n"
	  "  -m, --message TEXT  echo, chat: send TEXT and wait for the answer\n"
	  "  -e, --echo          chat server: send every line back\n"
	  "  -t, --tcp           send: use TCP\n"
	  "  -w, --timeout MS    client: wait this long for a reply (2000)\n"
	  "  -q, --quiet         no per-message lines\n"
	  "\n"
	  "Examples (in a lab):\n"
	  "  tunlab exec office -- tunlab app echo --server &\n"
	  "  tunlab exec mobile -- tunlab app echo 10.8.0.1\n"
	  "  tunlab exec office -- tunlab app chat --server --echo &\n"
	  "  tunlab exec mobile -- tunlab app chat 10.8.0.1\n",
	  cmd_app, 0 },
	{ "dissect", "[--names] [--offsets] [--fields F,F...] FILE",
	  "decode the packets of a capture or trace, field by field",
	  "Decode every packet of FILE (pcap, or pcapng such as a tunlab trace)\n"
	  "and print its protocol fields as a tree.\n"
	  "\n"
	  "  -n, --names        show each field's filter name, e.g. [ip.ttl]\n"
	  "  -O, --offsets      show each field's byte offset and length\n"
	  "  -e, --fields LIST  print only these fields, tab-separated, one\n"
	  "                     line per packet (like tshark -T fields)\n",
	  cmd_dissect, 0 },
	{ "export", "--format jsonl|text TRACE [-o OUT]",
	  "turn a trace into JSON Lines or a plain-text narrative",
	  "Read a tunlab trace (pcapng) and write its events.\n"
	  "\n"
	  "  -f, --format jsonl  one JSON object per event (docs/export.md)\n"
	  "  -f, --format text   one paragraph per packet: its steps in order;\n"
	  "                      first, what the sources lost (if recorded)\n"
	  "  -o, --output OUT    write to OUT instead of standard output\n",
	  cmd_export, 0 },
	{ "trace", "[--lab NAME] [-w FILE] [-f FILTER] [--count N | --duration S]",
	  "record every packet of a lab at each step into a trace",
	  "Watch a running lab (tunlab up) and record, for every packet, each\n"
	  "point of its trip: the app's send and receive (lab apps), the tun\n"
	  "and wire devices (libpcap, in every host), the VPN daemon's read,\n"
	  "encryption, decryption and write.  Observations of one packet get\n"
	  "one number; a line per packet shows the points it was seen at.\n"
	  "The trace is pcapng: tunlab view/export/dissect, Wireshark, tshark.\n"
	  "When it stops, it prints what each source lost and records it at\n"
	  "the end of the trace.  At full speed it holds itself to a share of\n"
	  "one CPU, leaving the rest to the lab it watches; what it has no\n"
	  "time for, the sources count as lost.\n"
	  "\n"
	  "  -L, --lab NAME      the lab (may be left out when only one runs)\n"
	  "  -w, --write FILE    the trace file (tunlab-LAB.pcapng)\n"
	  "  -f, --filter EXPR   capture only what matches (pcap-filter)\n"
	  "  -s, --snaplen N     bytes kept of each frame (256)\n"
	  "  -c, --count N       stop after N packets\n"
	  "  -d, --duration S    stop after S seconds\n"
	  "  -q, --quiet         no line per packet\n"
	  "  -K, --no-kernel     without the kernel's tracepoints (tracefs)\n"
	  "  -C, --cpu PCT       use at most PCT % of one CPU (50; 0: no limit)\n",
	  cmd_trace, CMD_NEEDS_ROOT },
	{ "tunnel", "--server | --remote HOST [--dev-type tun|tap] [options]",
	  "run the VPN daemon (server or client)",
	  "Run tunlab's VPN: a TLS 1.3 control channel over TCP and an\n"
	  "AES-256-GCM data channel over UDP (OpenVPN's P_DATA_V2 layout), one\n"
	  "tun or tap device, many clients on one server.  Works in a lab\n"
	  "(tunlab up starts it) and between two real hosts.\n"
	  "\n"
	  "  -s, --server            serve clients\n"
	  "  -r, --remote HOST       connect to the server at HOST\n"
	  "  -t, --dev-type TYPE     tun (IP packets, default) or tap (frames)\n"
	  "  -d, --dev NAME          device name (tun0 / tap0)\n"
	  "  -k, --pki DIR           certificates made by tunlab pki\n"
	  "  -n, --name NAME         certificate to use (server / client1)\n"
	  "      --ca F --cert F --key F   or name the files one by one\n"
	  "  -c, --cipher NAME       AES-256-GCM (default), CHACHA20-POLY1305\n"
	  "  -p, --port N            UDP data port (1194)\n"
	  "  -P, --control-port N    TCP control port (1195)\n"
	  "  -b, --bind ADDR         server: listen on ADDR only\n"
	  "  -o, --pool CIDR         server: client addresses (10.8.0.0/24)\n"
	  "  -O, --pool6 CIDR        server: IPv6 client addresses\n"
	  "  -z, --reserve NAME      server: lease addresses to these names\n"
	  "                          first, in order (repeatable)\n"
	  "  -R, --route NET/LEN     client: also route NET into the tunnel\n"
	  "  -w, --wire-mtu N        MTU of the path (1500); the device gets\n"
	  "                          N - 52 (tun) or N - 66 (tap)\n"
	  "  -m, --mtu N             the device's MTU, explicitly\n"
	  "  -x, --rekey-packets N   client: new keys after N packets\n"
	  "  -X, --rekey-seconds S   client: new keys every S seconds\n"
	  "  -L, --keylog FILE       write TLS secrets (NSS key log) for\n"
	  "                          Wireshark; off by default\n"
	  "  -u, --user U            run as U after setup (nobody; root: stay)\n"
	  "  -g, --group G           and group G (nogroup)\n"
	  "  -e, --probe PATH        publish events there ($TUNLAB_PROBE)\n"
	  "  -H, --host NAME         lab host name in events ($TUNLAB_HOST)\n"
	  "  -S, --status FILE       rewrite the counters there every second\n"
	  "  -v, --verbose           show the control channel's messages\n"
	  "  -F, --offload           fast mode: the tun hands over 64 KB TCP\n"
	  "                          super-packets (TSO), cut into segments\n"
	  "                          here and sent with UDP GSO; received ones\n"
	  "                          are merged again (docs/wire-format.md)\n"
	  "  -B, --busy-poll US      after a packet, look for the next one\n"
	  "                          for US microseconds before sleeping:\n"
	  "                          lower latency for CPU time while traffic\n"
	  "                          flows, none when idle (client 100,\n"
	  "                          server 0; 0 turns it off)\n"
	  "\n"
	  "SIGUSR1 prints the counters; SIGINT/SIGTERM stop (with counters).\n",
	  cmd_tunnel, CMD_NEEDS_ROOT },
	{ "pki", "[--dir DIR] [--clients N | --client NAME...] [options]",
	  "create the lab's CA and the server's and clients' certificates",
	  "Create (or complete) a lab PKI in DIR: ca.crt/ca.key, server.crt/\n"
	  "server.key and one certificate per client (client1, client2...),\n"
	  "with OpenSSL's API.  Keys are written 0600; a key file others can\n"
	  "read is refused when loaded, as ssh does.\n"
	  "\n"
	  "  -d, --dir DIR          where (./pki)\n"
	  "  -n, --clients N        client1..clientN (1)\n"
	  "  -c, --client NAME      a client with this name (repeatable)\n"
	  "  -D, --days N           validity of the certificates (365; 0 makes\n"
	  "                         an expired one, for tests)\n"
	  "  -k, --key-type TYPE    ec (P-256, default) or ed25519\n"
	  "  -f, --force            replace what exists, CA included\n",
	  cmd_pki, 0 },
	{ "inject", "KIND [--to HOST[:PORT]] [--count N] [options]",
	  "send bad datagrams at a tunnel endpoint, on purpose",
	  "Send datagrams that a tunnel endpoint must drop, each with a counted\n"
	  "reason (tunlab status shows the counters), while the tunnel goes on\n"
	  "carrying traffic.  Run it inside a lab host:\n"
	  "  tunlab exec mobile -- tunlab inject truncated\n"
	  "The endpoint, peer-id and tunnel addresses come from the host's\n"
	  "daemon; each datagram leaves from a port of its own, and one line\n"
	  "says what was sent and which drop to expect.\n"
	  "\n"
	  "KIND, and the drop the receiver counts:\n"
	  "  garbage          random bytes of random lengths, from empty to\n"
	  "                   beyond the MTU (short, bad opcode...)\n"
	  "  truncated        a P_DATA_V2 header cut at every length below\n"
	  "                   header + tag, 0..23 bytes (short)\n"
	  "  bad-opcode       an opcode other than P_DATA_V2 (bad opcode)\n"
	  "  bad-key-id       a key-id that is neither the current nor the\n"
	  "                   previous one (unknown key-id)\n"
	  "  unknown-peer     a peer-id no client has (unknown peer-id)\n"
	  "  bitflip          a real datagram captured on the host's wire,\n"
	  "                   one bit flipped: the first ciphertext bit, or\n"
	  "                   at --at OFFSET (bad tag)\n"
	  "  replay           a real datagram captured on the wire, sent\n"
	  "                   again as it is (replay; too old with --after)\n"
	  "  spoof-source     from a client: an IP packet whose inner source\n"
	  "                   is not the client's, written with a raw socket so\n"
	  "                   that the client's own daemon encrypts it\n"
	  "                   (spoofed source)\n"
	  "  unknown-address  a valid peer-id from a port the endpoint does\n"
	  "                   not know, not authentic: the peer must not move\n"
	  "                   there (bad tag, no float)\n"
	  "\n"
	  "  -t, --to HOST[:PORT]  the endpoint: an address or a lab host\n"
	  "                        (default: the peer of this host's daemon;\n"
	  "                        port 1194)\n"
	  "  -c, --count N         datagrams (default: 24 truncated, 16\n"
	  "                        garbage, 4 or 3 of most, 1 captured one)\n"
	  "  -a, --at OFFSET       bitflip: the byte to flip a bit of\n"
	  "  -p, --peer-id N       write this peer-id in the header\n"
	  "  -k, --key-id N        write this key-id (default: the live one,\n"
	  "                        learned from a captured datagram)\n"
	  "  -f, --from ADDR       spoof-source: the inner source (host .99\n"
	  "                        of the tunnel's subnet)\n"
	  "  -s, --seed N          garbage: the same bytes again\n"
	  "  -A, --after N         capture: let N more of the host's datagrams\n"
	  "                        go by before sending (replay --after 4100:\n"
	  "                        too old for the replay window)\n"
	  "  -w, --wait MS         capture: wait at most this long (3000)\n"
	  "  -N, --no-nudge        capture: do not send a UDP datagram through\n"
	  "                        the tunnel (to port 9) to have one to take\n"
	  "  -L, --lab NAME        the lab whose host names --to takes\n"
	  "                        ($TUNLAB_LAB)\n"
	  "  -q, --quiet           only a summary line\n"
	  "\n"
	  "It sends only from a lab's network namespace, never from the\n"
	  "machine's own.\n",
	  cmd_inject, 0 },
	{ "view", "[--ascii] TRACE",
	  "replay a trace in the terminal UI: path, packets, details",
	  "Open a trace (tunlab trace writes them; labs/samples/ has two) in\n"
	  "the terminal UI.  Needs no root.  Four screens:\n"
	  "\n"
	  "  path     mobile (client) left, office (server) right, user space\n"
	  "           above, kernel below: one box per step with its counts,\n"
	  "           the selected event's box highlighted, drops marked X\n"
	  "  packets  number, time, what (inner src -> dst), progress over\n"
	  "           the 14 points, latency, verdict\n"
	  "  detail   the selected observation: step, host, time since the\n"
	  "           step before, how it was tied, decoded headers, hex with\n"
	  "           the bytes this step added highlighted, the explanation\n"
	  "  stats    per step: counts, latency min/median/max; drops by\n"
	  "           reason; what the sources lost, as the trace recorded it\n"
	  "\n"
	  "Keys: Right/Left one event, Down/Up one packet, space plays, +/-\n"
	  "speed, / filters (pcap-filter syntax), g goes to a packet, Tab\n"
	  "switches pane, s stats, ? lists every key, q back, Q quits.\n"
	  "The status line says where you are: event 7/52  step 5 ...  on\n"
	  "mobile.  NO_COLOR turns colours off.\n"
	  "\n"
	  "  -a, --ascii  ASCII only, no colour\n",
	  cmd_view, 0 },
	{ "ui", "[--lab NAME] [--ascii] [--no-kernel]",
	  "watch a running lab live in the terminal UI",
	  "Trace a running lab (tunlab up) as tunlab trace does, and show\n"
	  "every packet in the terminal UI as it goes (the screens and keys\n"
	  "of tunlab view).  The selection follows the newest event until you\n"
	  "move; End follows again.  Space pauses the display: the tracer goes\n"
	  "on and nothing is lost.  The stats screen shows what the sources\n"
	  "lost.  Nothing is written to disk (tunlab trace records).\n"
	  "\n"
	  "  -L, --lab NAME   the lab (may be left out when only one runs)\n"
	  "  -a, --ascii      ASCII only, no colour\n"
	  "  -K, --no-kernel  without the kernel's tracepoints (tracefs)\n",
	  cmd_ui, CMD_NEEDS_ROOT },
	{ "walk", "[--dev-type tun|tap] [--lab NAME] [-o PREFIX] [--ascii]",
	  "a guided walk of one packet through the seven steps and back",
	  "Build a lab (or use --lab), type one chat line, \"hello office\",\n"
	  "from mobile to office's chat server over TCP through the tunnel\n"
	  "(as the seed's telnet), trace it, and stop at each of the 14\n"
	  "points of the segment that carried it: 7 out on mobile, 7 back in\n"
	  "on office.  Each stop explains the step in words and shows\n"
	  "this packet's own values: device, route, packet id, bytes, the\n"
	  "headers the step added.  Right goes on, Left goes back; the last\n"
	  "stop recaps the trip and offers to export the trace (e).  The lab\n"
	  "it built is removed on every way out (q, the end, Ctrl-C, a\n"
	  "signal).\n"
	  "\n"
	  "  -t, --dev-type tun|tap  the VPN's device type (tun)\n"
	  "  -L, --lab NAME          walk in this running lab instead (it is\n"
	  "                          left running)\n"
	  "  -o, --output PREFIX     where e exports: PREFIX.pcapng and\n"
	  "                          PREFIX.txt (tunlab-walk-TYPE)\n"
	  "  -a, --ascii             ASCII only, no colour\n",
	  cmd_walk, CMD_NEEDS_ROOT },
	{ "steps", "[STEP]", "explain the seven steps of a packet's trip",
	  "Explain each step a packet takes through the VPN, out (1..7) and\n"
	  "back in on the far host (7'..1'), or only STEP, e.g. 5 or 5'.\n",
	  cmd_steps, 0 },
	{ "help", "[COMMAND]", "list the commands, or explain one",
	  "Without COMMAND, list every command; with it, show its help.\n",
	  cmd_help, 0 },
	{ "version", "", "print tunlab's version and data directory",
	  "Print the version, and the directory where tunlab finds its labs\n"
	  "and sample traces (set TUNLAB_DATADIR to use another).\n",
	  cmd_version, 0 },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct cli_command *cli_find(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

void cli_print_help(const struct cli_command *cmd, FILE *out)
{
	fprintf(out, "usage: tunlab %s %s\n\n%s.\n\n%s", cmd->name, cmd->usage,
		cmd->summary, cmd->help);
	if (cmd->flags & CMD_NEEDS_ROOT)
		fprintf(out, "\nNeeds root.\n");
}

int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tunlab %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: tunlab %s %s\n(see tunlab %s --help)\n",
		cmd->name, cmd->usage, cmd->name);
	return EXIT_USAGE;
}

int cli_getopt(const struct cli_command *cmd, int argc, char **argv,
	       const char *optstring, const struct option *longopts)
{
	int ch;

	opterr = 0;
	ch = getopt_long(argc, argv, optstring, longopts, NULL);
	if (ch == '?' || ch == ':') {
		const char *opt = argv[optind - 1];

		if (ch == ':' || (optopt && strchr(optstring, optopt)))
			cli_usage_error(cmd, "option '%s' needs a value", opt);
		else
			cli_usage_error(cmd, "unknown option '%s'", opt);
		return '?';
	}
	return ch;
}

static void print_overview(FILE *out)
{
	fprintf(out,
		"usage: tunlab COMMAND [options]\n\n"
		"Watch one real packet cross a real VPN tunnel, step by step.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(out, "\n'tunlab COMMAND --help' explains a command. "
		"GUIDE.md walks you through a lab.\n");
}

/* Write text as troff, escaping what troff would misread. */
static void man_text(FILE *out, const char *s)
{
	int bol = 1;

	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", out);
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
		bol = *s == '\n';
	}
}

/* The man page, generated from the same table as --help. */
static void print_man(FILE *out)
{
	fprintf(out, ".TH TUNLAB 1 \"\" \"tunlab %s\" \"User Commands\"\n",
		TL_VERSION);
	fprintf(out, ".SH NAME\ntunlab \\- watch a packet cross a VPN tunnel, "
		"step by step\n");
	fprintf(out, ".SH SYNOPSIS\n.B tunlab\n.I COMMAND\n[options]\n");
	fprintf(out, ".SH DESCRIPTION\n");
	man_text(out, "tunlab runs a small real VPN between network namespaces, "
		 "traces every packet through the seven steps of its path "
		 "(app socket, kernel routing, tun/tap driver, daemon read, "
		 "encryption and UDP send, routing to the wire, the wire) and "
		 "shows them.\n");
	fprintf(out, ".SH COMMANDS\n");
	for (size_t i = 0; i < N_COMMANDS; i++) {
		const struct cli_command *c = &commands[i];

		fprintf(out, ".SS \"tunlab %s ", c->name);
		man_text(out, c->usage);
		fprintf(out, "\"\n");
		man_text(out, c->summary);
		fprintf(out, ".\n.PP\n.nf\n");
		man_text(out, c->help);
		if (c->flags & CMD_NEEDS_ROOT)
			fprintf(out, "\nNeeds root.\n");
		fprintf(out, ".fi\n");
	}
	fprintf(out, ".SH EXIT STATUS\n0 on success, 1 when a command fails, "
		"2 for a bad command line.\n");
	fprintf(out, ".SH SEE ALSO\n");
	man_text(out, "GUIDE.md and docs/ in " TL_DATADIR
		 " or the source tree; tshark(1), ip(8).\n");
}

static int cmd_help(int argc, char **argv)
{
	const struct cli_command *self = cli_find("help");
	const struct cli_command *cmd;

	if (argc == 2 && strcmp(argv[1], "--man") == 0) {
		print_man(stdout);
		return EXIT_OK;
	}
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		cli_print_help(self, stdout);
		return EXIT_OK;
	}
	if (argc > 2)
		return cli_usage_error(self, "too many arguments");
	if (argc == 1) {
		print_overview(stdout);
		return EXIT_OK;
	}
	cmd = cli_find(argv[1]);
	if (!cmd)
		return cli_usage_error(self, "no command '%s'", argv[1]);
	cli_print_help(cmd, stdout);
	return EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return cli_usage_error(cli_find("version"), "takes no arguments");
	printf("tunlab %s\ndata: %s\n", TL_VERSION, cli_datadir());
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc < 2) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(1, argv + 1);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("tunlab %s\n", TL_VERSION);
		return EXIT_OK;
	}
	cmd = cli_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "tunlab: unknown command '%s' "
			"(tunlab help lists them)\n", argv[1]);
		return EXIT_USAGE;
	}
	/* --help anywhere before "--" asks for help, not for the command. */
	for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cli_print_help(cmd, stdout);
			return EXIT_OK;
		}
	}
	if ((cmd->flags & CMD_NEEDS_ROOT) && geteuid() != 0) {
		fprintf(stderr, "tunlab %s: needs root (it creates network "
			"namespaces and devices); run it with sudo\n", cmd->name);
		return EXIT_FAIL;
	}
	log_set_prog("tunlab");
	return cmd->run(argc - 1, argv + 1);
}
