/*
 * Internals shared by the files of core/volume.
 */
#ifndef SV_CORE_VOLUME_VOLUME_INTERNAL_H
#define SV_CORE_VOLUME_VOLUME_INTERNAL_H

#include "volume/volume.h"

/* [a-zA-Z0-9][a-zA-Z0-9_.-]*, 1..255 bytes. */
bool vol_name_valid(const char *n);
/* <root>/volumes/<name> and its _data (owned). */
char *vol_dir(sv_store *s, const char *name);
char *vol_data(sv_store *s, const char *name);
/* Creates (or finds) a volume inside the caller's transaction. */
int vol_create_tx(sv_store *s, const struct sv_volume_create_opts *o, struct sv_volume *out, bool *existed,
		  sv_err **err);
/* Moves a removed volume's directory to the trash (after its row went). */
void vol_trash(sv_store *s, const char *name);

#endif
