#!/usr/bin/env node
// mpy-cross for virtual benches: MicroPython's cross compiler built to WebAssembly (the npm package
// @pybricks/mpy-cross-v6, .mpy ABI v6, which the WebAssembly MicroPython imports), behind the command
// line of the native mpy-cross:
//   mpy-cross-wasm.mjs [-march=A] [-X emit=E] [-s NAME] [-O N] [-o OUT] [--] INPUT.py|-
// INPUT '-' reads standard input and, without -o, writes the .mpy to standard output; otherwise the
// .mpy goes to OUT, else next to INPUT. Exit status: the compiler's (0 compiled, 1 error), 2 usage,
// 4 a file cannot be read or written.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const prog = 'mpy-cross-wasm';

function die(status, msg) {
	process.stderr.write(`${prog}: ${msg}\n`);
	process.exit(status);
}

let input = null, output = null;
const pass = []; // options handed to the compiler as they are
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
	const a = argv[i];
	if (a === '-h' || a === '--help') {
		process.stdout.write(`usage: ${prog} [-march=ARCH] [-X emit=E] [-s NAME] [-o OUT] [--] INPUT.py|-\n` +
			'MicroPython\'s mpy-cross (ABI v6, WebAssembly) with the native tool\'s command line.\n' +
			'Exit status: 0 compiled, 1 compile error, 2 usage, 4 a file cannot be read or written.\n');
		process.exit(0);
	} else if (a === '--version') {
		pass.push(a);
	} else if (a === '--') {
		if (i + 2 !== argv.length)
			die(2, 'one input file after --');
		input = argv[i + 1];
		break;
	} else if (a === '-o' || a === '-s' || a === '-X' || a === '-O') {
		if (i + 1 >= argv.length)
			die(2, `option ${a} needs a value`);
		if (a === '-o')
			output = argv[++i];
		else
			pass.push(a, argv[++i]);
	} else if (a.startsWith('-') && a !== '-') {
		pass.push(a);
	} else if (input === null) {
		input = a;
	} else {
		die(2, `one input file, not '${input}' and '${a}'`);
	}
}
const version = pass.includes('--version');
if (input === null && !version)
	die(2, 'no input file (a .py file, or - for standard input)');

let source = '';
if (input !== null) {
	try {
		source = fs.readFileSync(input === '-' ? 0 : input);
	} catch (e) {
		die(4, `cannot read '${input}': ${e.message}`);
	}
}
if (output === null && input !== null && input !== '-')
	output = input.replace(/\.py$/, '') + '.mpy';

const dir = path.dirname(require.resolve('@pybricks/mpy-cross-v6/build/mpy-cross-v6.js'));
const MpyCross = require(path.join(dir, 'mpy-cross-v6.js'));
// the compiler runs in its own in-memory filesystem: the input goes in under its own base name (its
// error messages name it), the result comes back as out.mpy; the wasm is handed over as bytes (its
// loader's own fetch fails under Node.js)
const inName = input === null || input === '-' ? 'stdin.py' : path.basename(input);
const args = version ? pass : [...pass, '-o', 'out.mpy', inName === 'out.mpy' ? 'in.py' : inName];
const result = await new Promise((resolve) => MpyCross({
	arguments: args,
	inputFileContents: source,
	wasmBinary: fs.readFileSync(path.join(dir, 'mpy-cross-v6.wasm')),
	callback: (status, mpy, out, err) => resolve({ status, mpy, out, err }),
}));
const toStdout = !version && output === null;
for (const line of result.out)
	(toStdout ? process.stderr : process.stdout).write(line + '\n');
for (const line of result.err)
	process.stderr.write(line + '\n');
if (result.status === 0 && !version) {
	try {
		if (toStdout)
			fs.writeSync(1, result.mpy);
		else
			fs.writeFileSync(output, result.mpy);
	} catch (e) {
		die(4, `cannot write '${output ?? 'standard output'}': ${e.message}`);
	}
}
process.exit(result.status === 0 ? 0 : 1);
