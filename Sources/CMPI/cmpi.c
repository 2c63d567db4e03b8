#include "cmpi.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

// Open MPI's types are pointers to its objects; MPI_IN_PLACE is (void *)1 and MPI_STATUSES_IGNORE is NULL.
typedef void *Handle;
#define IN_PLACE ((void *)1)
#define THREAD_FUNNELED 1

static void *library;
static Handle comm_world, type_float, type_double, type_byte, op_sum, op_max, errors_return;
static int (*p_comm_set_errhandler)(Handle, Handle);
static int (*p_init_thread)(int *, char ***, int, int *);
static int (*p_initialized)(int *);
static int (*p_comm_rank)(Handle, int *);
static int (*p_comm_size)(Handle, int *);
static int (*p_allreduce)(const void *, void *, int, Handle, Handle, Handle);
static int (*p_iallreduce)(const void *, void *, int, Handle, Handle, Handle, Handle *);
static int (*p_waitall)(int, Handle *, void *);
static int (*p_bcast)(void *, int, Handle, int, Handle);
static int (*p_allgather)(const void *, int, Handle, void *, int, Handle, Handle);
static int (*p_barrier)(Handle);
static int (*p_abort)(Handle, int);
static int (*p_finalize)(void);
static int (*p_error_string)(int, char *, int *);
static int (*p_library_version)(char *, int *);

int gb_mpi_open(const char *name, char *err, int errlen) {
    if (library) return 0;
    const char *names[] = {name, "libmpi.so.40", "libmpi.so"};
    for (int i = name ? 0 : 1; i < 3 && !library; i++) library = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
    if (!library) {
        snprintf(err, (size_t)errlen, "cannot load the MPI library (%s): install Open MPI (Debian: openmpi-bin)", dlerror());
        return -1;
    }
#define SYMBOL(var, sym) \
    do { \
        *(void **)(&var) = dlsym(library, sym); \
        if (!var) { \
            snprintf(err, (size_t)errlen, "the MPI library has no %s: Glassbox needs Open MPI 4 or later", sym); \
            dlclose(library); library = NULL; \
            return -1; \
        } \
    } while (0)
    SYMBOL(comm_world, "ompi_mpi_comm_world");
    SYMBOL(type_float, "ompi_mpi_float");
    SYMBOL(type_double, "ompi_mpi_double");
    SYMBOL(type_byte, "ompi_mpi_byte");
    SYMBOL(op_sum, "ompi_mpi_op_sum");
    SYMBOL(op_max, "ompi_mpi_op_max");
    SYMBOL(errors_return, "ompi_mpi_errors_return");
    SYMBOL(p_comm_set_errhandler, "MPI_Comm_set_errhandler");
    SYMBOL(p_init_thread, "MPI_Init_thread");
    SYMBOL(p_initialized, "MPI_Initialized");
    SYMBOL(p_comm_rank, "MPI_Comm_rank");
    SYMBOL(p_comm_size, "MPI_Comm_size");
    SYMBOL(p_allreduce, "MPI_Allreduce");
    SYMBOL(p_iallreduce, "MPI_Iallreduce");
    SYMBOL(p_waitall, "MPI_Waitall");
    SYMBOL(p_bcast, "MPI_Bcast");
    SYMBOL(p_allgather, "MPI_Allgather");
    SYMBOL(p_barrier, "MPI_Barrier");
    SYMBOL(p_abort, "MPI_Abort");
    SYMBOL(p_finalize, "MPI_Finalize");
    SYMBOL(p_error_string, "MPI_Error_string");
    SYMBOL(p_library_version, "MPI_Get_library_version");
#undef SYMBOL
    return 0;
}

int gb_mpi_init(int *rank, int *size) {
    int done = 0, provided = 0;
    p_initialized(&done);
    if (!done) {
        int rc = p_init_thread(NULL, NULL, THREAD_FUNNELED, &provided);
        if (rc) return rc;
    }
    // Errors come back as codes (a rank that died makes the others' next collective fail), so the training can
    // record why it stopped before the job ends, rather than the library ending the process on the spot.
    int rc = p_comm_set_errhandler(comm_world, errors_return);
    if (rc) return rc;
    rc = p_comm_rank(comm_world, rank);
    return rc ? rc : p_comm_size(comm_world, size);
}

int gb_mpi_allreduce_sum_float(float *b, int n) { return p_allreduce(IN_PLACE, b, n, type_float, op_sum, comm_world); }
int gb_mpi_allreduce_sum_double(double *b, int n) { return p_allreduce(IN_PLACE, b, n, type_double, op_sum, comm_world); }
int gb_mpi_allreduce_max_double(double *b, int n) { return p_allreduce(IN_PLACE, b, n, type_double, op_max, comm_world); }
int gb_mpi_iallreduce_sum_float(float *b, int n, void **request) {
    return p_iallreduce(IN_PLACE, b, n, type_float, op_sum, comm_world, (Handle *)request);
}
int gb_mpi_waitall(int n, void **requests) { return p_waitall(n, (Handle *)requests, NULL); }
int gb_mpi_bcast(void *b, int bytes, int root) { return p_bcast(b, bytes, type_byte, root, comm_world); }
int gb_mpi_allgather_bytes(const void *s, void *r, int bytes) {
    return p_allgather(s, bytes, type_byte, r, bytes, type_byte, comm_world);
}
int gb_mpi_barrier(void) { return p_barrier(comm_world); }
void gb_mpi_abort(int code) { if (library) p_abort(comm_world, code); }
int gb_mpi_finalize(void) { return library ? p_finalize() : 0; }

void gb_mpi_error_string(int code, char *text, int length) {
    char buffer[512];
    int n = 0;
    if (library && p_error_string(code, buffer, &n) == 0) {
        snprintf(text, (size_t)length, "%.*s", n, buffer);
    } else {
        snprintf(text, (size_t)length, "MPI error %d", code);
    }
}

void gb_mpi_library_version(char *text, int length) {
    char buffer[4096];
    int n = 0;
    text[0] = 0;
    if (library && p_library_version(buffer, &n) == 0) {
        char *eol = memchr(buffer, '\n', (size_t)n);
        if (eol) n = (int)(eol - buffer);
        snprintf(text, (size_t)length, "%.*s", n, buffer);
    }
}
