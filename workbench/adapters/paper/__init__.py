"""The in-process paper broker: the local exchange's matching engine on a replay clock over the
lake, behind the ``Broker`` port. The default broker: no keys needed."""

from workbench.adapters.paper.config import PaperConfig
from workbench.adapters.paper.data import PaperMarketData
from workbench.adapters.paper.execution import PaperBroker

__all__ = ["PaperBroker", "PaperConfig", "PaperMarketData"]
