"""The offline replay of the Messages API: fixtures, matching, the transport, the synthesizer."""
