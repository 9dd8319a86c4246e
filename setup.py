"""Build the one extension: fastfeat._engine = the Cython binding + csrc/*.c.

Only a C compiler, the Python headers and numpy's headers (a build
requirement) are needed (no system FFT library).
Environment switches:
  FASTFEAT_NATIVE=1      compile for this CPU (-march=native) instead of the
                         portable build with runtime dispatch (target_clones)
  FASTFEAT_NO_OPENMP=1   build without OpenMP even if the compiler has it
  FASTFEAT_SANITIZE=1    AddressSanitizer + UBSan build (debugging)
"""
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from glob import glob

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# -fno-wrapv undoes the -fwrapv that Python's own CFLAGS (sysconfig) add to every
# extension: with it gcc cannot assume that int loop counters do not wrap and
# vectorises worse (the whole pipeline 12 % slower per frame, csrc measured both
# ways).  The engine has no signed overflow (UBSan in the C tests).
BASE_FLAGS = ["-std=c99", "-O3", "-ffp-contract=off", "-fno-math-errno", "-fno-wrapv"]


OPENMP_PROBE = "#include <omp.h>\nint main(void){int n=0;\n#pragma omp parallel\n{n=omp_get_num_threads();}\nreturn n<1;}\n"
CLONES_PROBE = (
    '__attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))\n'
    "int f(int x) { return x + 1; }\nint main(void) { return f(-1); }\n"
)


def _compiler_accepts(flags, src):
    """Compile and link a tiny program with the build's C compiler."""
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    cc = cc.split()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "probe.c")
        with open(path, "w") as f:
            f.write(src)
        try:
            res = subprocess.run(cc + flags + [path, "-o", os.path.join(tmp, "probe")],
                                 capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            return False
        return res.returncode == 0


class BuildExt(build_ext):
    def build_extensions(self):
        compile_args = list(BASE_FLAGS)
        link_args = []
        if os.environ.get("FASTFEAT_NATIVE") == "1":
            compile_args += ["-march=native", "-DFF_NO_CLONES"]
        elif not _compiler_accepts(["-Werror"], CLONES_PROBE):
            sys.stderr.write("fastfeat: compiler lacks target_clones(x86-64-v3/v4): baseline build\n")
            compile_args.append("-DFF_NO_CLONES")
        if os.environ.get("FASTFEAT_SANITIZE") == "1":
            compile_args += ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-O1"]
            link_args += ["-fsanitize=address,undefined"]
        if os.environ.get("FASTFEAT_NO_OPENMP") != "1" and _compiler_accepts(["-fopenmp"], OPENMP_PROBE):
            compile_args.append("-fopenmp")
            link_args.append("-fopenmp")
        else:
            sys.stderr.write("fastfeat: building without OpenMP\n")
        for ext in self.extensions:
            ext.extra_compile_args = compile_args
            ext.extra_link_args = link_args
        super().build_extensions()


def _extensions():
    import numpy
    from Cython.Build import cythonize

    sources = ["fastfeat/_engine.pyx"] + sorted(glob("csrc/*.c"))
    # numpy's C API (the binding's per-call fast paths), targeting the oldest
    # numpy of the runtime requirement, so one build runs on every numpy >= 1.22
    ext = Extension("fastfeat._engine", sources=sources, include_dirs=["csrc", numpy.get_include()],
                    libraries=["m"],
                    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION"),
                                   ("NPY_TARGET_VERSION", "NPY_1_22_API_VERSION")])
    return cythonize([ext], language_level=3)


setup(ext_modules=_extensions(), cmdclass={"build_ext": BuildExt})
