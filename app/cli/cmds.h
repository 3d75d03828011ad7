/*
 * Declarations of every command descriptor listed in cmds.def.
 */
#ifndef SV_APP_CLI_CMDS_H
#define SV_APP_CLI_CMDS_H

#include "cli.h"

#define CLI_CMD(sym) extern const struct cli_cmd sym;
#include "cmds.def"
#undef CLI_CMD

#endif
