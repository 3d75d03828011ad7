#!/usr/bin/python3
"""Writes the lazy-loading stubs for libcurl and libarchive.

servin's executables do not link libcurl, libarchive, libcrypto, libssl or
libnftables: together they pull ~40 more shared libraries (krb5, ldap, ssh,
xml2, icu, nftnl, xtables, gmp...) and ~30,000 symbol relocations into every
process — ~15 ms of dynamic loading on each `servin` command — although only
pulls, pushes, archives, digests, TLS and firewall rules need them. Instead, each function servin uses
is defined here as a stub that dlopen()s the library on first use and calls
the real function.

  mk/gen-lazy.py > core/util/lazy-stubs.c   (after using a new function)
"""
import re
import sys

LIBS = [
    ("curl", "libcurl.so.4", ["/usr/include/x86_64-linux-gnu/curl/curl.h", "/usr/include/x86_64-linux-gnu/curl/easy.h",
                              "/usr/include/x86_64-linux-gnu/curl/urlapi.h",
                              "/usr/include/x86_64-linux-gnu/curl/multi.h"], "CURL_EXTERN",
     """curl_easy_cleanup curl_easy_escape curl_easy_getinfo curl_easy_init curl_easy_perform curl_easy_reset
        curl_easy_setopt curl_easy_strerror curl_free curl_global_init curl_slist_append curl_slist_free_all
        curl_url curl_url_cleanup curl_url_get curl_url_set curl_version_info"""),
    ("archive", "libarchive.so.13", ["/usr/include/archive.h", "/usr/include/archive_entry.h"], "__LA_DECL",
     """archive_entry_atime archive_entry_atime_is_set archive_entry_atime_nsec archive_entry_copy_pathname
        archive_entry_copy_stat archive_entry_copy_symlink archive_entry_filetype archive_entry_free
        archive_entry_gid archive_entry_hardlink archive_entry_mtime archive_entry_mtime_nsec archive_entry_new
        archive_entry_pathname archive_entry_perm archive_entry_rdevmajor archive_entry_rdevminor
        archive_entry_set_filetype archive_entry_set_gid archive_entry_set_mtime archive_entry_set_pathname
        archive_entry_set_perm archive_entry_set_size archive_entry_set_uid archive_entry_size
        archive_entry_symlink archive_entry_uid archive_entry_xattr_next archive_entry_xattr_reset archive_errno
        archive_error_string archive_read_data_block archive_read_free archive_read_new archive_read_next_header
        archive_read_open2 archive_read_open_fd archive_read_support_filter_all archive_read_support_format_gnutar
        archive_read_support_format_tar archive_set_error archive_write_close archive_write_data
        archive_write_free archive_write_header archive_write_new archive_write_open archive_write_open_fd
        archive_write_set_bytes_in_last_block archive_write_set_format_pax_restricted"""),
    ("crypto", "libcrypto.so.3", ["/usr/include/openssl/evp.h", "/usr/include/openssl/bio.h",
                                  "/usr/include/openssl/err.h"], "",
     """BIO_new BIO_read BIO_s_mem BIO_write ERR_clear_error ERR_error_string_n ERR_get_error EVP_DecodeBlock
        EVP_DigestFinal_ex EVP_DigestInit_ex EVP_DigestUpdate EVP_EncodeBlock EVP_MD_CTX_free EVP_MD_CTX_new
        EVP_sha256"""),
    ("ssl", "libssl.so.3", ["/usr/include/openssl/ssl.h"], "",
     """SSL_CTX_check_private_key SSL_CTX_ctrl SSL_CTX_free SSL_CTX_load_verify_locations SSL_CTX_new
        SSL_CTX_set_options SSL_CTX_set_verify SSL_CTX_use_PrivateKey_file SSL_CTX_use_certificate_chain_file
        SSL_free SSL_get_error SSL_new SSL_read SSL_set_accept_state SSL_set_bio SSL_write TLS_server_method"""),
    ("nftables", "libnftables.so.1", ["/usr/include/nftables/libnftables.h"], "",
     """nft_ctx_buffer_error nft_ctx_buffer_output nft_ctx_free nft_ctx_get_error_buffer nft_ctx_new
        nft_run_cmd_from_buffer"""),
]

TYPE_WORDS = {"int", "long", "char", "void", "size_t", "time_t", "dev_t", "la_int64_t", "la_ssize_t", "unsigned",
              "__LA_MODE_T", "CURLcode", "CURLoption", "CURLINFO", "CURLUPart", "CURLversion", "CURLU", "CURL",
              "CURLM", "CURLMcode", "CURLUcode", "curl_socket_t", "uint32_t", "uint64_t", "BIO", "SSL", "EVP_MD_CTX", "ENGINE", "EVP_MD", "mode_t", "short"}


PREFIXES = r"(?:(?:__owur|extern|CURL_EXTERN|__LA_DECL|static)\s+)*"


def prototype(text, name):
    """The return type and parameter text of the declaration of name."""
    m = re.search(r"(?m)^\s*" + PREFIXES + r"(?P<ret>[A-Za-z_][\w\s\*]*?)\s*\b" + name +
                  r"\s*\((?P<params>[^;{]*?)\)\s*(?:__LA_PRINTF\([^)]*\))?\s*;", text)
    if not m:
        return None
    return " ".join(m.group("ret").split()), " ".join(m.group("params").split())


def prototypes(headers, names):
    text = ""
    for h in headers:
        text += open(h).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return {n: prototype(text, n) for n in names}


def split_params(params):
    if params.strip() in ("", "void"):
        return []
    return [p.strip() for p in params.split(",")]


def param_type(p):
    if p == "...":
        return p
    m = re.match(r"^(.*?[\s*])(\w+)$", p)
    if m and m.group(2) not in TYPE_WORDS and not m.group(1).rstrip().endswith("struct"):
        return m.group(1).rstrip()
    return p


def stub(lib, name, ret, params):
    ps = [param_type(p) for p in split_params(params)]
    variadic = ps and ps[-1] == "..."
    fixed = ps[:-1] if variadic else ps
    decl = ", ".join("%s a%d" % (t, i) for i, t in enumerate(fixed)) or "void"
    args = ", ".join("a%d" % i for i in range(len(fixed)))
    ret_kw = "" if ret == "void" else "return "
    body = []
    if variadic and name == "archive_set_error":
        # The message is formatted here and passed on as "%s".
        body += ["\tva_list ap;", "\tva_start(ap, a2);", "\tchar msg[512];",
                 "\tvsnprintf(msg, sizeof msg, a2, ap);", "\tva_end(ap);",
                 "\tLAZY_FN(%s, %s)(a0, a1, \"%%s\", msg);" % (lib, name)]
        decl = decl.replace("const char * a2", "const char *a2")
        return "%s %s(%s, ...)\n{\n%s\n}\n" % (ret, name, decl, "\n".join(body))
    if variadic:
        # curl's setopt/getinfo take exactly one more argument: a long, a
        # curl_off_t, or a pointer — all one integer register on LP64.
        body += ["\tva_list ap;", "\tva_start(ap, a%d);" % (len(fixed) - 1), "\tvoid *arg = va_arg(ap, void *);",
                 "\tva_end(ap);", "\treturn LAZY_FN(%s, %s)(%s, arg);" % (lib, name, args)]
        return "%s %s(%s, ...)\n{\n%s\n}\n" % (ret, name, decl, "\n".join(body))
    return "%s %s(%s)\n{\n\t%sLAZY_FN(%s, %s)(%s);\n}\n" % (ret, name, decl, ret_kw, lib, name, args)


def main():
    out = []
    out.append("""/*
 * Lazy stubs for libcurl and libarchive — GENERATED by mk/gen-lazy.py; do
 * not edit. See that script for why: the libraries are dlopen()ed on first
 * use instead of being loaded into every servin process.
 */
#include <archive.h>
#include <archive_entry.h>
/* curl.h would turn curl_easy_setopt() into a type-checking macro */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <nftables/libnftables.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <stdarg.h>
#include <stdio.h>

#include "util/lazy.h"

static struct sv_lazy_lib lazy_curl = SV_LAZY_LIB("libcurl.so.4");
static struct sv_lazy_lib lazy_archive = SV_LAZY_LIB("libarchive.so.13");
static struct sv_lazy_lib lazy_crypto = SV_LAZY_LIB("libcrypto.so.3");
static struct sv_lazy_lib lazy_ssl = SV_LAZY_LIB("libssl.so.3");
static struct sv_lazy_lib lazy_nftables = SV_LAZY_LIB("libnftables.so.1");

/* The real function, resolved once. */
#define LAZY_FN(lib, name) \\
	(__extension__({ \\
		static __typeof__(&name) fn_; \\
		__typeof__(&name) f_ = __atomic_load_n(&fn_, __ATOMIC_ACQUIRE); \\
		if (!f_) { \\
			f_ = (__typeof__(&name))sv_lazy_sym(&lazy_##lib, #name); \\
			__atomic_store_n(&fn_, f_, __ATOMIC_RELEASE); \\
		} \\
		f_; \\
	}))
""")
    for lib, soname, headers, marker, names in LIBS:
        protos = prototypes(headers, names.split())
        out.append("/* ---------------------------------------------------------------- %s */\n" % lib)
        for name in names.split():
            if not protos[name]:
                sys.exit("gen-lazy: no prototype for %s" % name)
            ret, params = protos[name]
            out.append(stub(lib, name, ret, params))
    sys.stdout.write("\n".join(out))


main()
