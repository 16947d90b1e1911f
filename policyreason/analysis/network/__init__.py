"""Network questions over a VPC snapshot, answered by the solver and replayed concretely.

- `index`: lookups over one network, shared by both walkers;
- `trace`: hops, dispositions, witnesses and unknown components;
- `gaps`: what the model cannot decide and what it assumes, in words;
- `rules`: what a rule, route or firewall decides for one concrete packet;
- `simulate`: the concrete walk of one packet (the reference semantics);
- `branch`, `explore`: the symbolic walk (every way a packet could go, as branches);
- `solve`: solver queries over one symbolic header;
- `endpoints`: sources and destinations;
- `reach`, `exposures`: the two questions.
"""
