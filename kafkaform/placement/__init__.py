"""Pure replica-placement algorithms over `list[list[int]]` assignments.

An assignment lists, per partition, its replica broker ids, the first being
the preferred leader. Brokers are given as `{broker_id: rack or None}`.
"""
