"""devo: neuroevolution of developing spiking networks."""

__version__ = "0.1.0"
