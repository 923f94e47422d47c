// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where tunlab finds its labs and sample traces: next to the binary when it
 * runs from the source tree or a relocated install, else where `make
 * install` put them.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *cli_datadir(void)
{
	static char dir[PATH_MAX];
	static const char *const beside_exe[] = {
		"/../share/tunlab",	/* PREFIX/bin/tunlab */
		"/..",			/* source tree: build/tunlab */
	};
	char exe[PATH_MAX], probe[PATH_MAX + 32];
	const char *env = getenv("TUNLAB_DATADIR");
	ssize_t n;

	if (env && env[0])
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		for (size_t i = 0; i < sizeof(beside_exe) / sizeof(beside_exe[0]);
		     i++) {
			snprintf(probe, sizeof(probe), "%s%s/labs", exe,
				 beside_exe[i]);
			if (is_dir(probe) && realpath(probe, dir)) {
				*strrchr(dir, '/') = '\0';
				return dir;
			}
		}
	}
	return TL_DATADIR;
}
