"""Group-buy (社区团购): leaders enter their households' orders on a phone until the daily cutoff;
the cutoff adds up what to buy and splits the goods by pickup station.

Leaders are a channel: their orders enter through ``order_intake`` (``channels.services.leader_orders``)
and are ordinary orders from then on. The cutoff (``channels.services.cutoff``) leaves them ready
for the floor; the warehouse builds station waves and manifests from the orders' stations.
"""
