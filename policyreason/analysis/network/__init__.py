"""Network questions over a VPC snapshot, answered by the solver and replayed concretely.

- `index`: lookups over one network, shared by both walkers;
- `trace`: hops, dispositions and witnesses;
- `simulate`: the concrete walk of one packet (the reference semantics);
- `explore`: the symbolic walk (every way a packet could go, as branches);
- `solve`: solver queries over one symbolic header;
- `endpoints`: sources and destinations;
- `reach`, `exposures`: the two questions.
"""
