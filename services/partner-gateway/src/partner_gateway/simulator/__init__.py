"""A partner organisation, simulated: for the demo, the tests and the benchmark.

``build_simulator(...)`` gives a :class:`PartnerSimulator` that runs in-process
(``await sim.start()`` on port 0, then ``sim.url``) or as ``python -m partner_gateway.simulator``.
"""

from partner_gateway.simulator.app import Mode, PartnerSimulator, build_simulator

__all__ = ["Mode", "PartnerSimulator", "build_simulator"]
