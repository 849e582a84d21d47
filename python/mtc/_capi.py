"""ctypes declarations of the C API (runtime/include/mtc/mtc.h) exported by
a library that `mtc --emit=shared` links."""

import ctypes

c_session = ctypes.c_void_p

PROTOTYPES = {
    "mtc_create": (c_session, []),
    "mtc_destroy": (None, [c_session]),
    "mtc_error": (ctypes.c_char_p, [c_session]),
    "mtc_info_json": (ctypes.c_char_p, [c_session]),
    "mtc_init_weights": (ctypes.c_int, [c_session, ctypes.c_uint64]),
    "mtc_load_weights": (ctypes.c_int, [c_session, ctypes.c_char_p]),
    "mtc_save_weights": (ctypes.c_int, [c_session, ctypes.c_char_p]),
    "mtc_parameter": (ctypes.c_int, [c_session, ctypes.c_int,
                                     ctypes.POINTER(ctypes.POINTER(ctypes.c_float)),
                                     ctypes.POINTER(ctypes.c_int64)]),
    "mtc_bind_input": (ctypes.c_int, [c_session, ctypes.c_char_p, ctypes.c_void_p,
                                      ctypes.c_int64]),
    "mtc_run": (ctypes.c_int, [c_session, ctypes.c_int64]),
    "mtc_output": (ctypes.c_void_p, [c_session, ctypes.c_char_p,
                                     ctypes.POINTER(ctypes.c_int64)]),
    "mtc_command": (ctypes.c_int, [c_session, ctypes.c_int,
                                   ctypes.POINTER(ctypes.c_char_p)]),
}


def load(path):
    """The library at `path` with every entry point's signature declared."""
    lib = ctypes.CDLL(path)
    for name, (restype, argtypes) in PROTOTYPES.items():
        try:
            function = getattr(lib, name)
        except AttributeError:
            raise OSError("%s has no %s: not a library of `mtc --emit=shared`" % (path, name))
        function.restype, function.argtypes = restype, argtypes
    return lib
