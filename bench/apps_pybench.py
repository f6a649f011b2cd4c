"""CPU-bound CPython work for bench/apps.sh, run inside each guest: an
n-body simulation and a json dumps/loads loop, each a fixed amount of work.
Prints one line per part, `bench NAME SECONDS`, timing the work only (from
time.perf_counter), so booting and starting the interpreter do not count.

    python3 apps_pybench.py [SCALE]

SCALE (default 1) multiplies the work of every part.
"""
import json
import sys
import time

PI = 3.14159265358979323
SOLAR_MASS = 4 * PI * PI
DAYS_PER_YEAR = 365.24


def bodies():
    # Sun, Jupiter, Saturn, Uranus, Neptune: position, velocity, mass.
    planets = [
        ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0], 1.0),
        ([4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01],
         [1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05],
         9.54791938424326609e-04),
        ([8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01],
         [-2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05],
         2.85885980666130812e-04),
        ([1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01],
         [2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05],
         4.36624404335156298e-05),
        ([1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01],
         [2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05],
         5.15138902046611451e-05),
    ]
    return [(p, [v * DAYS_PER_YEAR for v in vel], m * SOLAR_MASS) for p, vel, m in planets]


def energy(system):
    e = 0.0
    for i, (p1, v1, m1) in enumerate(system):
        e += 0.5 * m1 * (v1[0] * v1[0] + v1[1] * v1[1] + v1[2] * v1[2])
        for p2, _, m2 in system[i + 1:]:
            dx, dy, dz = p1[0] - p2[0], p1[1] - p2[1], p1[2] - p2[2]
            e -= m1 * m2 / (dx * dx + dy * dy + dz * dz) ** 0.5
    return e


def nbody(steps, dt=0.01):
    system = bodies()
    # Offset the sun's momentum so the system's total is zero.
    px = sum(v[0] * m for _, v, m in system)
    py = sum(v[1] * m for _, v, m in system)
    pz = sum(v[2] * m for _, v, m in system)
    sun_v = system[0][1]
    sun_v[0], sun_v[1], sun_v[2] = -px / SOLAR_MASS, -py / SOLAR_MASS, -pz / SOLAR_MASS
    pairs = [(system[i], system[j]) for i in range(len(system)) for j in range(i + 1, len(system))]
    for _ in range(steps):
        for (p1, v1, m1), (p2, v2, m2) in pairs:
            dx, dy, dz = p1[0] - p2[0], p1[1] - p2[1], p1[2] - p2[2]
            mag = dt * ((dx * dx + dy * dy + dz * dz) ** -1.5)
            b1, b2 = m1 * mag, m2 * mag
            v1[0] -= dx * b2
            v1[1] -= dy * b2
            v1[2] -= dz * b2
            v2[0] += dx * b1
            v2[1] += dy * b1
            v2[2] += dz * b1
        for p, v, _ in system:
            p[0] += dt * v[0]
            p[1] += dt * v[1]
            p[2] += dt * v[2]
    return energy(system)


def json_loop(rounds):
    doc = {
        "users": [{"id": i, "name": "user%d" % i, "email": "user%d@example.org" % i,
                   "score": i * 1.25, "active": i % 3 == 0, "tags": ["a", "b\u00e9", "c\n"] * 2,
                   "nested": {"x": [i, i + 1, None], "y": "z" * 20}} for i in range(50)],
        "count": 50,
        "title": "caf\u00e9 \u2603 \"quoted\"",
    }
    n = 0
    for _ in range(rounds):
        text = json.dumps(doc)
        again = json.loads(text)
        n += len(text) + len(again["users"])
        text = json.dumps(doc, indent=2, sort_keys=True)
        n += len(json.loads(text))
    return n


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    parts = [("nbody", lambda: "%.9f" % nbody(int(20000 * scale))),
             ("json", lambda: str(json_loop(int(100 * scale))))]
    for name, work in parts:
        start = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - start
        print("bench %s %.4f %s" % (name, elapsed, result), flush=True)


main()
