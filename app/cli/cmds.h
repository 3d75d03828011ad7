/*
 * Every command of the table, one line each, sorted by name. Adding a
 * command: write app/cli/cmd-<verb>.c exporting `const struct cli_cmd
 * cli_cmd_<verb>` and add its line here.
 */
#ifndef SV_APP_CLI_CMDS_H
#define SV_APP_CLI_CMDS_H

#include "cli.h"

#define CLI_CMD_LIST                     \
	CLI_CMD(cli_cmd_attach)            \
	CLI_CMD(cli_cmd_batch)             \
	CLI_CMD(cli_cmd_container_inspect) \
	CLI_CMD(cli_cmd_container_prune)   \
	CLI_CMD(cli_cmd_cp)                \
	CLI_CMD(cli_cmd_create)            \
	CLI_CMD(cli_cmd_exec)              \
	CLI_CMD(cli_cmd_help)              \
	CLI_CMD(cli_cmd_history)           \
	CLI_CMD(cli_cmd_image_inspect)     \
	CLI_CMD(cli_cmd_image_prune)       \
	CLI_CMD(cli_cmd_images)            \
	CLI_CMD(cli_cmd_import)            \
	CLI_CMD(cli_cmd_info)              \
	CLI_CMD(cli_cmd_inspect)           \
	CLI_CMD(cli_cmd_kill)              \
	CLI_CMD(cli_cmd_layer_unpack)      \
	CLI_CMD(cli_cmd_load)              \
	CLI_CMD(cli_cmd_logs)              \
	CLI_CMD(cli_cmd_pause)             \
	CLI_CMD(cli_cmd_port)              \
	CLI_CMD(cli_cmd_ps)                \
	CLI_CMD(cli_cmd_rename)            \
	CLI_CMD(cli_cmd_restart)           \
	CLI_CMD(cli_cmd_rm)                \
	CLI_CMD(cli_cmd_rmi)               \
	CLI_CMD(cli_cmd_run)               \
	CLI_CMD(cli_cmd_runtime_create)    \
	CLI_CMD(cli_cmd_runtime_delete)    \
	CLI_CMD(cli_cmd_runtime_exec)      \
	CLI_CMD(cli_cmd_runtime_kill)      \
	CLI_CMD(cli_cmd_runtime_list)      \
	CLI_CMD(cli_cmd_runtime_pause)     \
	CLI_CMD(cli_cmd_runtime_ps)        \
	CLI_CMD(cli_cmd_runtime_resume)    \
	CLI_CMD(cli_cmd_runtime_run)       \
	CLI_CMD(cli_cmd_runtime_spec)      \
	CLI_CMD(cli_cmd_runtime_start)     \
	CLI_CMD(cli_cmd_runtime_state)     \
	CLI_CMD(cli_cmd_save)              \
	CLI_CMD(cli_cmd_shell)             \
	CLI_CMD(cli_cmd_start)             \
	CLI_CMD(cli_cmd_stats)             \
	CLI_CMD(cli_cmd_stop)              \
	CLI_CMD(cli_cmd_system_df)         \
	CLI_CMD(cli_cmd_system_prune)      \
	CLI_CMD(cli_cmd_tag)               \
	CLI_CMD(cli_cmd_top)               \
	CLI_CMD(cli_cmd_unpause)           \
	CLI_CMD(cli_cmd_version)           \
	CLI_CMD(cli_cmd_wait)

#define CLI_CMD(sym) extern const struct cli_cmd sym;
CLI_CMD_LIST
#undef CLI_CMD

#endif
