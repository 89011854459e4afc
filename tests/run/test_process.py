import gc
import weakref

from kafkaform.run.process import idle


class Node:
    pass


def test_idle_frees_reference_cycles_while_the_collector_is_off():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        node = Node()
        node.self = node  # a cycle: reference counting alone never frees it
        alive = weakref.ref(node)
        del node
        assert alive() is not None
        idle(0)
        assert alive() is None
    finally:
        if was_enabled:
            gc.enable()
