# Build every program into the repository root:
#   make          ./sr  ./sr_demo  ./sr_bench  ./sr_tests
#   make test     build and run the Catch2 tests
#   make asan     build and run the tests under AddressSanitizer + UBSan (build-asan/; all but the
#                 [slow] end-to-end run of the quick preset, which takes minutes under the sanitizers)
# Options: NO_OMP=1 (no OpenMP), CUDA=0 (skip nvcc even when found), NATIVE=0 (no -march=native),
#          MPI=1 (several processes train together: mpirun -np N ./sr ...; needs libopenmpi-dev)
# make compiles on every core by default; a -j on the command line wins (make -j1: one core).
#
# Layout: every .cpp under tensor/ autograd/ model/ data/ selfreward/ goes into one static
# library, except the programs (files named main_*.cpp). tests/*.cpp form ./sr_tests.

# Every core unless the command line says otherwise (make 4.4 shows a command-line -j here;
# 4.3 does not, but still lets the command line's -j win).
ifeq ($(filter -j% j%,$(MAKEFLAGS)),)
  MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 1)
endif

CXX      ?= g++
NVCC     ?= $(shell command -v nvcc 2>/dev/null || ls /usr/local/cuda/bin/nvcc 2>/dev/null)
OPT      ?= -O3
CXXFLAGS += $(OPT)
# -fno-trapping-math: lets g++ vectorise tensor/fastmath.h (float->int conversions); results are unchanged.
# -fno-math-errno: std::sqrt need not set errno (we never read it), so loops with a square root
# (AdamW, layernorm) vectorise; results are unchanged.
CXXFLAGS += -std=c++17 -fno-trapping-math -fno-math-errno -Wall -Wextra -Wno-unused-parameter -I. -MMD -MP
LDLIBS   :=
BUILD    ?= build

# -march=native, but without AVX-512: g++ 12.2 (Debian 12) miscompiles with -mavx512f
# (`const std::vector<double> v = {5,5,5,0};` reads back as 5 5 5 5 at -O2 on an AVX-512
# CPU). AVX2 + FMA keeps the vectorised kernels; OpenBLAS brings its own AVX-512 code, and so
# does one kernel of ours (kernels::rows_block_wide, inference's batched products), compiled
# with __attribute__((target("avx512f"))) alone and chosen at run time.
ifneq ($(NATIVE),0)
  CXXFLAGS += -march=native -mno-avx512f
endif

# ---- OpenMP ---------------------------------------------------------------------------------
ifeq ($(NO_OMP),1)
  # -fopenmp-simd keeps the `#pragma omp simd` vectorisation hints (no threads, no libgomp).
  CXXFLAGS += -fopenmp-simd -Wno-unknown-pragmas
  $(info ---> OpenMP: off (NO_OMP=1): every kernel runs on one thread)
else
  OMP_OK := $(shell printf 'int main(){return 0;}' | $(CXX) -fopenmp -x c++ - -o /dev/null 2>/dev/null && echo yes)
  ifeq ($(OMP_OK),yes)
    CXXFLAGS += -fopenmp
    $(info ---> OpenMP: found: kernels run on OMP_NUM_THREADS threads (default: all cores))
  else
    CXXFLAGS += -fopenmp-simd -Wno-unknown-pragmas
    $(info ---> OpenMP: NOT found: kernels run on one thread (apt-get install g++ brings libgomp))
  endif
endif

# ---- OpenBLAS -------------------------------------------------------------------------------
# We link the OpenMP build of OpenBLAS (Debian: libopenblas-openmp-dev) with an rpath to it, so
# BLAS and our own kernels share one OpenMP thread pool and never oversubscribe the cores.
# (Debian's default libopenblas.so.0 at run time may be the pthread build, which would spin up
# a second pool of threads beside OpenMP's.)
BLAS_DIR := /usr/lib/x86_64-linux-gnu/openblas-openmp
ifneq ($(wildcard $(BLAS_DIR)/libopenblas.so),)
  LDLIBS += -L$(BLAS_DIR) -Wl,-rpath,$(BLAS_DIR) -lopenblas
  $(info ---> OpenBLAS: found (OpenMP build, $(BLAS_DIR)))
else ifneq ($(shell printf '#include <cblas.h>\nint main(){return 0;}' | $(CXX) -x c++ - -lopenblas -o /dev/null 2>/dev/null && echo yes),)
  LDLIBS += -lopenblas
  $(info ---> OpenBLAS: found (system default build; the banner says whether it threads with OpenMP))
else
  $(error OpenBLAS not found. HINT: apt-get install libopenblas-openmp-dev)
endif

# ---- CUDA (optional) ------------------------------------------------------------------------
CU_SRCS := $(wildcard tensor/*.cu)
ifeq ($(CUDA),0)
  $(info ---> CUDA: off (CUDA=0): CPU only)
  NVCC :=
else ifeq ($(NVCC),)
  $(info ---> CUDA: nvcc not found: CPU only (that is fine; CUDA is optional))
else ifeq ($(CU_SRCS),)
  NVCC :=
else
  # nvcc may be a wrapper script (e.g. /usr/local/bin/nvcc), so the toolkit's libraries are looked
  # for beside it, under CUDA_HOME, and under /usr/local/cuda; without them we cannot link.
  CUDA_HOME ?= $(patsubst %/bin/nvcc,%,$(NVCC))
  CUDA_LIBDIR := $(firstword $(patsubst %/libcudart.so,%,$(wildcard \
      $(CUDA_HOME)/lib64/libcudart.so $(CUDA_HOME)/targets/x86_64-linux/lib/libcudart.so \
      /usr/local/cuda/lib64/libcudart.so /usr/local/cuda/targets/x86_64-linux/lib/libcudart.so)))
  ifeq ($(CUDA_LIBDIR),)
    $(info ---> CUDA: nvcc found ($(NVCC)) but not libcudart.so (set CUDA_HOME=...): CPU only)
    NVCC :=
  else
    $(info ---> CUDA: nvcc found ($(NVCC)), libraries in $(CUDA_LIBDIR): CUDA kernels compiled in; they need a GPU at run time)
  endif
endif
ifneq ($(NVCC),)
  CXXFLAGS += -DSR_CUDA=1
  LDLIBS += -L$(CUDA_LIBDIR) -Wl,-rpath,$(CUDA_LIBDIR) -lcudart -lcublas
  NVCCFLAGS ?= -O3 -std=c++17 -I. -arch=sm_90 -Xcompiler -fPIC
  CU_OBJS := $(CU_SRCS:%.cu=$(BUILD)/%.cu.o)
endif

# ---- MPI (optional, off unless MPI=1) -------------------------------------------------------
# Asked for, not found automatically: an MPI build calls MPI_Init in every program (the tests
# too), needs libmpi wherever it runs, and a build that changed because a package appeared
# would surprise. Only tensor/distributed.cpp sees <mpi.h>; everything else calls sr::dist.
MPI ?= 0
ifeq ($(MPI),1)
  MPICXX ?= mpicxx
  MPI_LIBS := $(shell $(MPICXX) --showme:link 2>/dev/null)
  ifeq ($(MPI_LIBS),)
    $(error MPI=1, but $(MPICXX) (Open MPI's compiler wrapper) was not found. HINT: apt-get install libopenmpi-dev openmpi-bin)
  endif
  MPI_CFLAGS := $(shell $(MPICXX) --showme:compile) -DOMPI_SKIP_MPICXX=1
  # the commit: ranks of different builds refuse to run together (checked at start)
  MPI_BUILD_ID := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
  LDLIBS += $(MPI_LIBS)
  $(info ---> MPI: on ($(MPICXX)): mpirun -np N ./sr ... trains on N processes)
else
  $(info ---> MPI: off$(if $(shell command -v mpicxx 2>/dev/null), (mpicxx found: make MPI=1 builds with it), (make MPI=1 builds with it)))
endif
# distributed.o alone depends on MPI=; a stamp holding the setting rebuilds it (and relinks
# the programs) when the setting changes.
.DEFAULT_GOAL := all  # (the rules below would otherwise be the default goal)
MPI_STAMP := $(BUILD)/mpi.stamp
$(shell mkdir -p $(BUILD) && (echo "$(MPI) $(MPI_BUILD_ID)" | cmp -s - $(MPI_STAMP) || echo "$(MPI) $(MPI_BUILD_ID)" > $(MPI_STAMP)))
$(BUILD)/tensor/distributed.o: $(MPI_STAMP)
ifeq ($(MPI),1)
$(BUILD)/tensor/distributed.o: CXXFLAGS += -DSR_MPI=1 -DSR_BUILD_ID='"$(MPI_BUILD_ID)"' $(MPI_CFLAGS)
endif

LDLIBS += -lpthread -lm

# ---- sources --------------------------------------------------------------------------------
LIB_SRCS  := $(filter-out %/main_%.cpp,$(wildcard tensor/*.cpp autograd/*.cpp model/*.cpp data/*.cpp selfreward/*.cpp))
TEST_SRCS := $(wildcard tests/*.cpp)
LIB_OBJS  := $(LIB_SRCS:%.cpp=$(BUILD)/%.o) $(CU_OBJS)
TEST_OBJS := $(TEST_SRCS:%.cpp=$(BUILD)/%.o)
LIB       := $(BUILD)/libsr.a

PROGRAMS := sr sr_demo sr_bench sr_tests

.PHONY: all test asan clean kill-test
all: $(PROGRAMS)

$(BUILD)/%.o: %.cpp Makefile
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c $< -o $@

$(BUILD)/%.cu.o: %.cu
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

sr: $(BUILD)/selfreward/main_sr.o $(LIB)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)
sr_demo: $(BUILD)/selfreward/main_demo.o $(LIB)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)
sr_bench: $(BUILD)/model/main_bench.o $(LIB)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)
sr_tests: $(TEST_OBJS) $(LIB)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)

# The tests run from the repository root (they read data/ and write under /tmp).
test: sr_tests sr
	./sr_tests

# kill -9 at many moments of sr pretrain and of the loop; each resume must end byte-identical
# to an uninterrupted run (a few minutes; run by .ci/run)
kill-test: sr
	tests/kill_resume.sh

asan:
	$(MAKE) BUILD=build-asan CUDA=0 OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" sr_tests
	mv sr_tests sr_tests_asan
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ./sr_tests_asan "~[slow]"

# ---- the course: make chapters -----------------------------------------------------------------
# Builds each tutorial/chNN_*/main.cpp against the library into build/tutorial/, runs it on one
# thread from the repository root, and diffs its output with the chapter's expected.txt; then
# checks that every quoted code block equals its source and every name the course uses exists.
# Not part of `make` or `make test`.
CHAPTER_SRCS := $(sort $(wildcard tutorial/ch*/main.cpp))
CHAPTER_BINS := $(CHAPTER_SRCS:tutorial/%/main.cpp=$(BUILD)/tutorial/%)
.PHONY: chapters
$(BUILD)/tutorial/%: tutorial/%/main.cpp $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $< $(LIB) -o $@ $(LDLIBS)
chapters: $(CHAPTER_BINS) $(PROGRAMS)
	@fail=0; for bin in $(CHAPTER_BINS); do ch=$$(basename $$bin); \
	  if OMP_NUM_THREADS=1 $$bin > $$bin.out && diff -u tutorial/$$ch/expected.txt $$bin.out; then echo "chapter $$ch: ok"; \
	  else echo "chapter $$ch: FAILED (output above; HINT: if the change is intended, cp $$bin.out tutorial/$$ch/expected.txt)"; fail=1; fi; \
	done; python3 tutorial/check_quotes.py || fail=1; python3 tutorial/check_names.py || fail=1; exit $$fail

clean:
	rm -rf build build-asan $(PROGRAMS) sr_tests_asan

# ---- course assignments (tutorial/assignments/, see its README.md) --------------------------
#   make assignment A=3              build ./course_a3 from the student's file, the tests and
#                                    build/libsr.a, then run ./course_a3 "[a3]" (ARGS="..." adds flags)
#   make assignment A=3 SOLUTION=1   the same with the reference solution in the student file's place
#   make assignment-build A=3        only build ./course_a3 (tutorial/assignments/grade.sh runs each task)
#   make course-release              build/course-release.tar.gz: the tracked files, minus the solutions
# `make` and `make test` never compile anything under tutorial/assignments/.
COURSE := tutorial/assignments
ifneq ($(filter assignment assignment-build,$(MAKECMDGOALS)),)
  COURSE_DIR := $(wildcard $(COURSE)/a$(A)_*)
  ifneq ($(words $(COURSE_DIR)),1)
    $(error no assignment A=$(A) (looked for $(COURSE)/a$(A)_*). HINT: make assignment A=1 (the list: tutorial/assignments/README.md))
  endif
  COURSE_STUDENT := $(COURSE_DIR)/student.cpp
  ifeq ($(SOLUTION),1)
    COURSE_STUDENT := $(COURSE)/solutions/$(notdir $(COURSE_DIR))/student.cpp
    ifeq ($(wildcard $(COURSE_STUDENT)),)
      $(error no $(COURSE_STUDENT): this copy has no solutions (the student release). HINT: drop SOLUTION=1)
    endif
  endif
  COURSE_OBJS := $(BUILD)/$(COURSE)/common/main.o $(BUILD)/$(COURSE_STUDENT:.cpp=.o) \
                 $(patsubst %.cpp,$(BUILD)/%.o,$(wildcard $(COURSE_DIR)/test_*.cpp))
endif
.PHONY: assignment assignment-build course-release clean-course
assignment: assignment-build
	./course_a$(A) "[a$(A)]" $(ARGS)
assignment-build: $(COURSE_OBJS) $(LIB)
	$(CXX) $(CXXFLAGS) $(COURSE_OBJS) $(LIB) -o course_a$(A) $(LDLIBS)
course-release:
	bash $(COURSE)/release.sh $(BUILD)/course-release.tar.gz
clean: clean-course
clean-course:
	rm -f course_a*

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
