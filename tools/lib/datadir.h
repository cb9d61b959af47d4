/* Finding the project's data (board specs, feature checks) relative to the executable: in the source
 * tree (build/bin, build/check/bin) or installed (PREFIX/bin with PREFIX/share/testbed-micropython). */
#ifndef TB_DATADIR_H
#define TB_DATADIR_H

/* the folder SOURCE_DIR (relative to the top of the source tree) or SHARE_DIR (relative to
 * share/testbed-micropython) that holds PROBE; malloc'ed, or NULL */
char *tb_data_dir(const char *source_dir, const char *share_dir, const char *probe);

#endif
