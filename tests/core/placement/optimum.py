"""The exact optimum of a small placement problem, by integer programming.

Written from the objectives as `kafkaform.core.placement.solve` states them, not
from its algorithm: binary y[p, b] = partition p on broker b; each
partition on its replication factor's number of brokers spanning at least
its racks; copies = brokers chosen that did not hold the partition;
balance = sum of squared replica counts per topic and broker, then per
broker (tangent cuts make a square exact at integers). Solved
lexicographically with scipy's MILP (HiGHS).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix


@dataclass
class Optimum:
    copies: int
    topic_squares: int
    cluster_squares: int


def racks_needed(rf, racks, home, rack_of, spread):
    full = min(rf, racks)
    if spread:
        return full
    return min(full, len({rack_of[b] for b in home}) + max(0, rf - len(home)))


def optimum(assignments, brokers, replication, spread, leaving, rebalance, load=None):
    load = load or {}
    allowed = sorted(b for b in brokers if b not in leaving)
    rack_of = {b: brokers[b] if brokers[b] is not None else f"own-{b}" for b in allowed}
    racks = sorted(set(rack_of.values()))
    topics = sorted(assignments)
    parts = [(t, replicas) for t in topics for replicas in assignments[t]]
    nb = len(allowed)
    col = {}
    for p in range(len(parts)):
        for i, b in enumerate(allowed):
            col[p, b] = p * nb + i
    n = len(parts) * nb
    # rack indicator w[p, r]
    for p in range(len(parts)):
        for r in racks:
            col["w", p, r] = n
            n += 1
    # x[t, b] integer counts, X[b] totals, and their squares
    for t in topics:
        for b in allowed:
            col["x", t, b] = n
            col["qx", t, b] = n + 1
            n += 2
    for b in allowed:
        col["X", b] = n
        col["qX", b] = n + 1
        n += 2
    rows, lows, highs = [], [], []

    def row(coefs, low, high):
        rows.append(coefs)
        lows.append(low)
        highs.append(high)

    copy_cost = np.zeros(n)
    for p, (t, replicas) in enumerate(parts):
        rf = replication.get(t, len(replicas))
        home = [b for b in replicas if b in rack_of]
        row({col[p, b]: 1 for b in allowed}, rf, rf)
        for r in racks:
            members = {col[p, b]: -1 for b in allowed if rack_of[b] == r}
            row({col["w", p, r]: 1, **members}, -np.inf, 0)
        need = racks_needed(rf, len(racks), home, rack_of, t in spread)
        row({col["w", p, r]: 1 for r in racks}, need, np.inf)
        for b in allowed:
            if b not in home:
                copy_cost[col[p, b]] = 1
    most = 0
    for t in topics:
        members = [p for p, (topic, _) in enumerate(parts) if topic == t]
        most = max(most, len(members))
        for b in allowed:
            row({col["x", t, b]: 1, **{col[p, b]: -1 for p in members}}, 0, 0)
            for k in range(len(members) + 1):
                row({col["qx", t, b]: 1, col["x", t, b]: -(2 * k + 1)}, -k * (k + 1), np.inf)
    total = len(parts) * 6 + max(load.values(), default=0)
    for b in allowed:
        row({col["X", b]: 1, **{col["x", t, b]: -1 for t in topics}}, load.get(b, 0),
            load.get(b, 0))
        for k in range(total + 1):
            row({col["qX", b]: 1, col["X", b]: -(2 * k + 1)}, -k * (k + 1), np.inf)
    topic_cost = np.zeros(n)
    cluster_cost = np.zeros(n)
    for t in topics:
        for b in allowed:
            topic_cost[col["qx", t, b]] = 1
    for b in allowed:
        cluster_cost[col["qX", b]] = 1
    matrix = lil_matrix((len(rows), n))
    for i, coefs in enumerate(rows):
        for j, v in coefs.items():
            matrix[i, j] = v
    integrality = np.ones(n)
    upper = np.ones(n)
    for key, j in col.items():
        if isinstance(key, tuple) and key[0] in ("x", "qx", "X", "qX"):
            upper[j] = np.inf
    bounds = Bounds(np.zeros(n), upper)
    constraints = [LinearConstraint(matrix.tocsr(), lows, highs)]
    order = ([copy_cost, topic_cost, cluster_cost] if not rebalance
             else [topic_cost, cluster_cost, copy_cost])
    values = []
    for cost in order:
        result = milp(cost, constraints=constraints, integrality=integrality, bounds=bounds)
        assert result.status == 0, result.message
        value = round(result.fun)
        values.append(value)
        constraints.append(LinearConstraint(cost.reshape(1, -1), -np.inf, value + 0.5))
    if rebalance:
        topic_squares, cluster_squares, copies = values
    else:
        copies, topic_squares, cluster_squares = values
    return Optimum(copies, topic_squares, cluster_squares)
