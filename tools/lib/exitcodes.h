/* Exit codes shared by every tool of testbed-micropython (documented in each tool's --help). */
#ifndef TB_EXITCODES_H
#define TB_EXITCODES_H

enum tb_exit {
	TB_EXIT_OK = 0,       /* success; for mp-runtest: the test passed or was skipped */
	TB_EXIT_FAIL = 1,     /* the test failed (or timed out and the board recovered) */
	TB_EXIT_USAGE = 2,    /* bad command line or bad input file */
	TB_EXIT_BOARD = 3,    /* the board needs attention: no answer, no raw REPL, hung, port busy or gone */
	TB_EXIT_LOCAL = 4,    /* local trouble: cannot read the test, write a result, run CPython */
	TB_EXIT_SETUP = 5,    /* the board lacks something every test needs (e.g. unittest): stop this board */
};

#endif
