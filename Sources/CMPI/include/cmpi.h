// Message passing (MPI) for data-parallel training, opened at run time.
//
// Open MPI's libmpi.so.40 is loaded with dlopen when a training finds itself started by mpirun: the binary builds and
// runs where MPI is absent (a laptop, CI without it), and one binary serves both. The handles (MPI_COMM_WORLD,
// MPI_FLOAT, MPI_SUM, ...) are Open MPI's exported objects, as its mpi.h defines them.
#ifndef GLASSBOX_CMPI_H
#define GLASSBOX_CMPI_H

#include <stddef.h>
#include <stdint.h>

/// Loads the library (NULL: libmpi.so.40, then libmpi.so) and its functions; 0 on success, else writes why into err.
int gb_mpi_open(const char *library, char *err, int errlen);
/// MPI_Init_thread (funneled: only the training thread calls MPI) and the rank and size of MPI_COMM_WORLD.
int gb_mpi_init(int *rank, int *size);
/// In-place sums across ranks.
int gb_mpi_allreduce_sum_float(float *buffer, int count);
int gb_mpi_allreduce_sum_double(double *buffer, int count);
int gb_mpi_allreduce_max_double(double *buffer, int count);
/// A non-blocking in-place sum (a bucket of gradients); complete with gb_mpi_waitall.
int gb_mpi_iallreduce_sum_float(float *buffer, int count, void **request);
int gb_mpi_waitall(int count, void **requests);
int gb_mpi_bcast(void *buffer, int bytes, int root);
/// Every rank's `bytes` bytes, in rank order, into `received` (size × bytes).
int gb_mpi_allgather_bytes(const void *sent, void *received, int bytes);
int gb_mpi_barrier(void);
/// Ends every rank of the job (MPI_Abort on MPI_COMM_WORLD).
void gb_mpi_abort(int code);
int gb_mpi_finalize(void);
/// The library's text for an error code.
void gb_mpi_error_string(int code, char *text, int length);
/// The library's version line (empty before gb_mpi_open).
void gb_mpi_library_version(char *text, int length);

#endif
