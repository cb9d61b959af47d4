// board-wasm.mjs: a virtual MicroPython board on stdin/stdout.
//
// Runs the WebAssembly build of MicroPython (npm @micropython/micropython-webassembly-pyscript) and makes
// its console behave like the console of a real board: host bytes come in on stdin, the board's bytes go
// out on stdout, stderr is for diagnostics only. vboard(1) starts this program behind a pseudo-terminal.
//
// What the WebAssembly build does not do by itself, and how it is made up for here:
//   - print() writes "\n": turned into "\r\n" (an existing "\r\n" is left alone).
//   - after a soft reset (Ctrl-D on an empty line, SystemExit) the interpreter is unusable: a fresh one
//     takes over, "MPY: soft reboot\r\n" is printed and the raw REPL is re-entered if it was active.
//   - raw-paste mode ("\x05A\x01") would hang the interpreter: it is done here (window 128, "\x01" acks)
//     and the collected code runs through the plain raw REPL with its "OK" dropped.
//   - Ctrl-C cannot interrupt running code: the interpreter runs in a worker thread; a Ctrl-C that the
//     worker does not take within INTERRUPT_GRACE_MS while it executes code ends that worker, a preloaded
//     spare takes over and the KeyboardInterrupt frame a board prints is written. State is lost, as after
//     a power cycle.
//
// Environment: VBOARD_HEAP (MicroPython heap in bytes, default 2 MiB), VBOARD_MICROPYTHON_MJS (path of
// micropython.mjs when the npm package cannot be found from this file's folder).

import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

const RAW_PROMPT = 'raw REPL; CTRL-B to exit\r\n>';
const SOFT_REBOOT = 'MPY: soft reboot\r\n';
const KBD_FRAME = 'Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\n' +
	'KeyboardInterrupt: \r\n';
const PASTE_WINDOW = 128;
const INTERRUPT_GRACE_MS = 100;
const DEFAULT_HEAP = 2 * 1024 * 1024;
const FLUSH_BYTES = 4096;
const TX_LIMIT = 1024;      // bytes stdout may hold before the worker must wait (a board's UART buffer)
const RX_RING = 4096;       // host bytes a running program has not read yet (a board's UART buffer)

const CTRL_A = 0x01, CTRL_B = 0x02, CTRL_C = 0x03, CTRL_D = 0x04, CTRL_E = 0x05;
const CR = 0x0d, LF = 0x0a;

function log(msg) {
	process.stderr.write(`board-wasm: ${msg}\n`);
}

function heapSize() {
	const text = process.env.VBOARD_HEAP;
	if (text === undefined || text === '')
		return DEFAULT_HEAP;
	const v = Number(text);
	if (!Number.isInteger(v) || v < 16384) {
		log(`ignoring VBOARD_HEAP '${text}': not a byte count >= 16384`);
		return DEFAULT_HEAP;
	}
	return v;
}

async function importMicroPython() {
	const path = process.env.VBOARD_MICROPYTHON_MJS;
	if (path)
		return import(pathToFileURL(path).href);
	return import('@micropython/micropython-webassembly-pyscript');
}

const latin1 = (s) => Buffer.from(s, 'latin1');

// ---------------------------------------------------------------------------------------------------
// Worker thread: one interpreter (plus a preloaded spare for soft resets) and the console logic.
// Messages in:  {t:'start', raw, banner}   become the active board (print the banner or enter raw REPL)
//               {t:'in', seq, d}           host bytes
// Messages out: {t:'loaded'} {t:'out', d} {t:'ack', seq} {t:'mode', raw} {t:'exec', seq, i} {t:'done'}
// ---------------------------------------------------------------------------------------------------
function workerMain() {
	const { heap, txBlocked, rx } = workerData;
	const rxCount = new Int32Array(rx, 0, 2);      // [bytes written by the main thread, bytes read here]
	const rxData = new Uint8Array(rx, 8);
	let loadMicroPython = null;
	let cur = null;             // the interpreter that gets the bytes
	let spare = null;           // Promise of a preloaded interpreter
	let raw = false;            // raw REPL active
	let rawLen = 0, rawB0 = -1, rawB1 = -1;   // the raw REPL input line: length and first two bytes
	let paste = null;           // {code: [], count} while raw-paste data arrives

	// output: cooked ("\n" -> "\r\n"), posted to the main thread after each write() of the interpreter
	let outBuf = [];
	let prev = -1;              // last byte written, for the "\r\n" rule
	let capture = null;         // array collecting output instead of writing it (banners of new interpreters)
	let dropOK = 0;             // bytes of a leading "OK" still to drop (raw-paste runs)
	let produced = 0;           // bytes the interpreter wrote (uncooked), for prompt detection
	let tail = '';              // the last bytes the interpreter wrote

	function flush() {
		if (outBuf.length) {
			parentPort.postMessage({ t: 'out', d: Uint8Array.from(outBuf) });
			outBuf = [];
		}
		// the host side is not taking bytes: wait, as a board's UART driver does when its buffer is full
		while (Atomics.load(txBlocked, 0) !== 0)
			Atomics.wait(txBlocked, 0, 1, 50);
	}
	function put(c) {
		if (c === LF && prev !== CR)
			outBuf.push(CR);
		outBuf.push(c);
		prev = c;
		if (outBuf.length >= FLUSH_BYTES)
			flush();
	}
	function putRaw(s) {
		for (const c of typeof s === 'string' ? latin1(s) : s) {
			outBuf.push(c);
			prev = c;
		}
	}
	function onData(bytes) {
		for (const c of bytes) {
			if (capture) {
				capture.push(c);
				continue;
			}
			if (dropOK > 0) {
				const want = dropOK === 2 ? 0x4f : 0x4b;
				dropOK--;
				if (c === want)
					continue;
				dropOK = 0;
			}
			produced++;
			tail = (tail + String.fromCharCode(c)).slice(-RAW_PROMPT.length);
			put(c);
		}
	}

	// a running program reads the host's bytes as a board's program reads its UART: it waits for them
	function stdin() {
		flush();
		const r = Atomics.load(rxCount, 1);
		while (Atomics.load(rxCount, 0) === r)
			Atomics.wait(rxCount, 0, r, 1000);
		const c = rxData[r % RX_RING];
		Atomics.store(rxCount, 1, r + 1);
		return c;
	}

	async function load() {
		const mp = await loadMicroPython({
			stdout: onData, stderr: onData, stdin, linebuffer: false, heapsize: heap,
		});
		// each write() of the interpreter goes out as a whole as soon as it is complete, so that output
		// followed by a long computation (or an endless loop) is not held back
		for (const fd of [1, 2]) {
			const stream = mp.FS.getStream(fd);
			const write = stream.stream_ops.write;
			stream.stream_ops = {
				...stream.stream_ops,
				write(...args) {
					const n = write.apply(this, args);
					if (!capture)
						flush();
					return n;
				},
			};
		}
		return mp;
	}
	function prepareSpare() {
		spare = load();
		spare.catch((e) => log(`cannot load a spare interpreter: ${e}`));
	}
	async function takeSpare() {
		const p = spare ?? load();
		spare = null;
		return p;
	}
	// make mp the active interpreter; returns its banner (without the leading "\r\n")
	function activate(mp, enterRaw) {
		globalThis.Module = mp._module;
		cur = mp;
		capture = [];
		mp.replInit();
		let banner = Buffer.from(capture);
		if (banner[0] === CR && banner[1] === LF)
			banner = banner.subarray(2);
		if (enterRaw)
			mp.replProcessChar(CTRL_A);
		capture = null;
		rawLen = 0;
		paste = null;
		return banner;
	}
	function setRaw(r) {
		if (r !== raw) {
			raw = r;
			parentPort.postMessage({ t: 'mode', raw });
		}
	}

	// the interpreter asked for a soft reset: what it printed so far stays, a fresh one takes over
	// the files a program wrote (e.g. a package installed to /lib) survive a soft reset, as a board's
	// flash filesystem does: copied from the old interpreter's filesystem to the new one's
	function copyFiles(from, to, dir) {
		for (const name of from.FS.readdir(dir)) {
			if (name === '.' || name === '..' || (dir === '/' && (name === 'dev' || name === 'proc')))
				continue;
			const path = (dir === '/' ? '' : dir) + '/' + name;
			const mode = from.FS.stat(path).mode;
			if (from.FS.isDir(mode)) {
				try { to.FS.mkdir(path); } catch (e) { /* there already */ }
				copyFiles(from, to, path);
			} else if (from.FS.isFile(mode)) {
				to.FS.writeFile(path, from.FS.readFile(path));
			}
		}
	}

	async function softReset() {
		flush();
		const old = cur, next = await takeSpare();
		try {
			copyFiles(old, next, '/');
		} catch (e) {
			log(`cannot keep the files over the soft reset: ${e && e.message ? e.message : e}`);
		}
		const banner = activate(next, raw);
		putRaw(SOFT_REBOOT);
		putRaw(raw ? latin1(RAW_PROMPT) : banner);
		flush();
		setImmediate(prepareSpare);
	}

	// feed one byte to the interpreter; true when it asks for a soft reset
	function feed(c, seq, i) {
		const runs = raw ? c === CTRL_D : (c === CR || c === LF || c === CTRL_D);
		if (runs) {
			flush();
			parentPort.postMessage({ t: 'exec', seq, i });
		}
		const before = produced;
		const r = cur.replProcessChar(c);
		if (runs)
			parentPort.postMessage({ t: 'done' });
		if (raw) {
			if (c === CTRL_B) {
				setRaw(false);
			} else if (c === CTRL_A || c === CTRL_C || c === CTRL_D) {
				rawLen = 0;
			} else {
				if (rawLen === 0)
					rawB0 = c;
				else if (rawLen === 1)
					rawB1 = c;
				rawLen++;
			}
		} else if (c === CTRL_A && produced !== before && tail === RAW_PROMPT) {
			setRaw(true);
			rawLen = 0;
		}
		return r !== 0;
	}

	function startPaste() {
		cur.replProcessChar(CTRL_C);   // forget the "\x05A" the interpreter holds; prints nothing
		rawLen = 0;
		putRaw([0x52, 0x01, PASTE_WINDOW & 0xff, PASTE_WINDOW >> 8, 0x01]);
		paste = { code: [], count: 0 };
	}
	// one byte of raw-paste data; true when the run asks for a soft reset
	function pasteByte(c, seq, i) {
		if (c === CTRL_D) {
			const code = paste.code;
			paste = null;
			putRaw([CTRL_D]);
			if (code.length === 0) {          // nothing to compile: empty stdout and stderr
				putRaw([CTRL_D, CTRL_D, 0x3e]);
				return false;
			}
			for (const b of code)
				cur.replProcessChar(b);      // no byte here can run code
			dropOK = 2;
			const reset = feed(CTRL_D, seq, i);
			dropOK = 0;
			return reset;
		}
		if (c === CTRL_C) {                   // the board's reader raises KeyboardInterrupt
			paste = null;
			putRaw('\x04\x04KeyboardInterrupt: \r\n\x04>');
			return false;
		}
		// \x01 and \x02 would switch the plain raw REPL's mode: they cannot be passed on
		if (c !== CTRL_A && c !== CTRL_B)
			paste.code.push(c);
		if (++paste.count >= PASTE_WINDOW) {
			paste.count -= PASTE_WINDOW;
			putRaw([0x01]);
			flush();
		}
		return false;
	}

	async function input(d, seq) {
		for (let i = 0; i < d.length; i++) {
			const c = d[i];
			let reset;
			if (paste) {
				reset = pasteByte(c, seq, i);
			} else if (raw && c === CTRL_A && rawLen === 2 && rawB0 === CTRL_E && rawB1 === 0x41) {
				startPaste();
				reset = false;
			} else {
				reset = feed(c, seq, i);
			}
			if (reset)
				await softReset();
		}
		flush();
		parentPort.postMessage({ t: 'ack', seq });
	}

	async function start(m) {
		const banner = activate(await takeSpare(), m.raw);
		setRaw(m.raw);
		if (m.banner)
			putRaw(banner);
		flush();
		setImmediate(prepareSpare);
	}

	// messages are handled strictly in order, one at a time
	let chain = (async () => {
		({ loadMicroPython } = await importMicroPython());
		prepareSpare();
		await spare;
		parentPort.postMessage({ t: 'loaded' });
	})();
	parentPort.on('message', (m) => {
		chain = chain.then(() => (m.t === 'start' ? start(m) : input(m.d, m.seq)));
		chain.catch((e) => {
			log(`worker failed: ${e && e.stack ? e.stack : e}`);
			process.exit(1);
		});
	});
	chain.catch((e) => {
		log(`cannot load MicroPython: ${e && e.message ? e.message : e}`);
		process.exit(1);
	});
}

// ---------------------------------------------------------------------------------------------------
// Main thread: stdin/stdout, the active worker, a spare worker, Ctrl-C while code runs.
// ---------------------------------------------------------------------------------------------------
function mainThread() {
	const heap = heapSize();
	let active = null;          // {w, loaded}
	let spare = null;
	let raw = false;            // the active worker's REPL mode, as it reported
	let seq = 0;
	let acked = 0;
	let pending = [];           // [{seq, data}] given to the active worker, not yet acknowledged
	let exec = null;            // {seq, i}: the active worker runs code started by that byte
	let killTimer = null;

	// back-pressure: when stdout does not take bytes, workers wait (shared flag) instead of piling them up
	const txBlocked = new Int32Array(new SharedArrayBuffer(4));
	// host bytes for a running program (see stdin() of the worker): two counters and a ring
	const rx = new SharedArrayBuffer(8 + RX_RING);
	const rxCount = new Int32Array(rx, 0, 2);
	const rxData = new Uint8Array(rx, 8);
	function toProgram(chunk) {
		let w = Atomics.load(rxCount, 0);
		for (const c of chunk) {
			if (w - Atomics.load(rxCount, 1) >= RX_RING)
				break;                 // a full UART buffer drops what comes
			rxData[w % RX_RING] = c;
			w++;
		}
		Atomics.store(rxCount, 0, w);
		Atomics.notify(rxCount, 0);
	}
	function written() {
		if (Atomics.load(txBlocked, 0) !== 0 && process.stdout.writableLength <= TX_LIMIT) {
			Atomics.store(txBlocked, 0, 0);
			Atomics.notify(txBlocked, 0);
		}
	}
	function write(bytes) {
		process.stdout.write(bytes, written);
		if (process.stdout.writableLength > TX_LIMIT)
			Atomics.store(txBlocked, 0, 1);
	}

	function spawn() {
		const data = { heap, txBlocked, rx };
		const rec = { w: new Worker(new URL(import.meta.url), { workerData: data }), loaded: false };
		rec.w.on('message', (m) => onMessage(rec, m));
		rec.w.on('error', (e) => {
			log(`worker error: ${e && e.stack ? e.stack : e}`);
			if (rec === active)
				process.exit(1);
			if (rec === spare)
				spare = null;
		});
		rec.w.on('exit', (code) => {
			if (rec === active) {
				log(`worker exited (${code})`);
				process.exit(1);
			}
			if (rec === spare)
				spare = null;
		});
		return rec;
	}

	function onMessage(rec, m) {
		if (m.t === 'loaded') {
			rec.loaded = true;
			return;
		}
		if (rec !== active)
			return;
		switch (m.t) {
		case 'out':
			write(m.d);
			break;
		case 'ack':
			acked = m.seq;
			while (pending.length && pending[0].seq <= acked)
				pending.shift();
			break;
		case 'mode':
			raw = m.raw;
			break;
		case 'exec':
			exec = { seq: m.seq, i: m.i };
			break;
		case 'done': {
			exec = null;
			// what the program did not read stays for the REPL, as in a board's UART buffer
			const r = Atomics.load(rxCount, 1), w = Atomics.load(rxCount, 0);
			const left = [];
			for (let i = r; i < w; i++)
				left.push(rxData[i % RX_RING]);
			Atomics.store(rxCount, 1, w);
			if (left.length)
				send(Buffer.from(left));
			break;
		}
		}
	}

	function send(data) {
		const s = ++seq;
		pending.push({ seq: s, data });
		active.w.postMessage({ t: 'in', seq: s, d: data });
		return s;
	}

	function armKill(s) {
		if (killTimer)
			return;
		killTimer = setTimeout(function check() {
			killTimer = null;
			if (acked >= s || !active)
				return;
			if (!exec) {               // busy, but not running code (loading, a soft reset): wait
				killTimer = setTimeout(check, INTERRUPT_GRACE_MS / 2);
				return;
			}
			interrupt();
		}, INTERRUPT_GRACE_MS);
	}

	// Ctrl-C while code runs: drop the worker, print what the board prints, carry on with the spare
	function interrupt() {
		const old = active;
		const parts = [];
		for (const p of pending) {
			if (p.seq > exec.seq)
				parts.push(p.data);
			else if (p.seq === exec.seq)
				parts.push(p.data.subarray(exec.i + 1));
		}
		let rest = Buffer.concat(parts);
		const k = rest.indexOf(CTRL_C);       // the Ctrl-C that interrupted
		if (k >= 0)
			rest = Buffer.concat([rest.subarray(0, k), rest.subarray(k + 1)]);
		pending = [];
		exec = null;
		active = null;
		old.w.terminate().catch(() => {});
		write(latin1(raw ? '\x04' + KBD_FRAME + '\x04>' : KBD_FRAME + '>>> '));
		active = spare ?? spawn();
		spare = null;
		active.w.postMessage({ t: 'start', raw, banner: false });
		if (rest.length)
			send(rest);
		setTimeout(() => { if (!spare) spare = spawn(); }, 0);
	}

	active = spawn();
	active.w.postMessage({ t: 'start', raw: false, banner: true });
	// the spare is started once the first board is up, so as not to slow the boot
	const waitFirst = setInterval(() => {
		if (active && active.loaded) {
			clearInterval(waitFirst);
			if (!spare)
				spare = spawn();
		}
	}, 20);

	process.stdin.on('data', (chunk) => {
		if (!active)
			return;
		// while a program runs its bytes are its input, up to a Ctrl-C (the REPL's interrupt)
		if (exec) {
			const k = chunk.indexOf(CTRL_C);
			toProgram(k < 0 ? chunk : chunk.subarray(0, k));
			if (k < 0)
				return;
			chunk = chunk.subarray(k);
		}
		const s = send(chunk);
		if (chunk.includes(CTRL_C))
			armKill(s);
	});
	process.stdin.on('end', () => process.exit(0));
	process.stdin.on('error', (e) => {
		log(`cannot read stdin: ${e.message}`);
		process.exit(1);
	});
	process.stdout.on('error', (e) => {
		log(`cannot write stdout: ${e.message}`);
		process.exit(1);
	});
}

if (isMainThread)
	mainThread();
else
	workerMain();
