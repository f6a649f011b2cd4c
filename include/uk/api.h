/* libunikraft: the public C API's common definitions. */
#ifndef UK_API_H
#define UK_API_H

#ifdef __cplusplus
#define UK_EXTERN_C extern "C"
#define UK_BEGIN_DECLS extern "C" {
#define UK_END_DECLS }
#else
#define UK_EXTERN_C
#define UK_BEGIN_DECLS
#define UK_END_DECLS
#endif

/** Marks a symbol as part of libunikraft's exported surface. Everything else
 *  inside the kernel object is made local when the archive is built. */
#define UK_API __attribute__((visibility("default")))

#endif
