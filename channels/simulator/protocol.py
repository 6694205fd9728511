"""The platform side of each API the adapters speak: the "orders changed since" list and the
shipment callback, answered in each platform's own envelope and error shape.

Every list endpoint takes the page size the platform's API names and an opaque ``cursor``
(the simulator's change counter), and answers with its has-more flag and ``next_cursor``.
``handle(store, platform, path, query, body)`` → (HTTP status, JSON object).
"""

import json

from channels.simulator.store import PlatformStore

OK = 200


def handle(store: PlatformStore, platform: str, path: str, query: dict, body: dict | None) -> tuple[int, dict]:
    return _HANDLERS[platform](store, path, query, body or {})


def _page(store, platform, cursor, size):
    try:
        size = int(size)
    except (TypeError, ValueError):
        size = 40
    return store.changed_since(platform, str(cursor or ""), size)


# -- Taobao TOP: GET/POST /router/rest?method=… -----------------------------------------------------
def _taobao(store, path, query, body):
    method = query.get("method", "")
    if path != "/router/rest":
        return 404, _top_error(22, "Invalid method", "")
    if method == "taobao.trades.sold.increment.get":
        payloads, cursor, more, total = _page(store, "taobao", query.get("cursor"), query.get("page_size", 40))
        return OK, {"trades_sold_increment_get_response": {
            "total_results": total, "has_next": more, "next_cursor": cursor, "trades": {"trade": payloads},
        }}
    if method == "taobao.logistics.offline.send":
        missing = [k for k in ("tid", "out_sid", "company_code") if not query.get(k)]
        if missing:
            return OK, _top_error(40, f"Missing required arguments:{missing[0]}", "")
        reason = store.receive_shipment("taobao", query["tid"], query["company_code"], query["out_sid"])
        if reason:
            return OK, _top_error(15, "Remote service error", reason, "isv.logistics-offline-service-error")
        return OK, {"logistics_offline_send_response": {"shipping": {"is_success": True}}}
    return OK, _top_error(22, "Invalid method", "")


def _top_error(code, msg, sub_msg, sub_code=""):
    return {"error_response": {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}}


# -- JD JOS: POST /routerjson?method=…&360buy_param_json=… ------------------------------------------
def _jd(store, path, query, body):
    try:
        business = json.loads(query.get("360buy_param_json") or "{}")
    except ValueError:
        business = None
    if path != "/routerjson" or not isinstance(business, dict):
        return OK, {"error_response": {"code": "61", "zh_desc": "参数错误", "en_desc": "Invalid arguments"}}
    method = query.get("method", "")
    if method == "jingdong.pop.order.search":
        payloads, cursor, more, total = _page(store, "jd", business.get("cursor"), business.get("page_size", 20))
        return OK, {"jingdong_pop_order_search_responce": {"code": "0", "searchorderinfo_result": {
            "apiResult": {"success": True, "code": "0", "chineseErrCode": "成功", "englistErrCode": "success"},
            "orderInfoList": payloads, "orderTotal": total, "has_more": more, "next_cursor": cursor,
        }}}
    if method == "jingdong.pop.order.shipment":
        reason = store.receive_shipment("jd", str(business.get("orderId") or ""), str(business.get("logiCoprId") or ""),
                                        str(business.get("logiNo") or ""))
        return OK, {"jingdong_pop_order_shipment_responce": {"code": "0", "sopjosshipment_result": {
            "success": not reason, "chineseErrCode": reason or "成功", "errorCode": "10400001" if reason else "",
        }}}
    return OK, {"error_response": {"code": "19", "zh_desc": "无效的方法名", "en_desc": "Invalid method"}}


# -- Pinduoduo: POST /api/router {"type": …} ---------------------------------------------------------
def _pinduoduo(store, path, query, body):
    kind = body.get("type", "")
    if path != "/api/router":
        return OK, _pdd_error(10000, "参数错误", "")
    if kind == "pdd.order.number.list.increment.get":
        payloads, cursor, more, total = _page(store, "pinduoduo", body.get("cursor"), body.get("page_size", 100))
        return OK, {"order_sn_increment_get_response": {
            "total_count": total, "has_next": more, "next_cursor": cursor, "order_sn_list": payloads,
        }}
    if kind == "pdd.logistics.online.send":
        reason = store.receive_shipment("pinduoduo", str(body.get("order_sn") or ""), str(body.get("logistics_id") or ""),
                                        str(body.get("tracking_number") or ""))
        if reason:
            return OK, _pdd_error(50001, "业务服务错误", reason)
        return OK, {"logistics_online_send_response": {"is_success": True}}
    return OK, _pdd_error(10001, "接口不存在", f"type={kind}")


def _pdd_error(code, msg, sub_msg):
    return {"error_response": {"error_code": code, "error_msg": msg, "sub_msg": sub_msg, "request_id": ""}}


# -- Douyin shop: POST /order/searchList, /order/logisticsAdd -----------------------------------------
def _douyin(store, path, query, body):
    if path == "/order/searchList":
        payloads, cursor, more, total = _page(store, "douyin", body.get("cursor"), body.get("size", 20))
        return OK, {"code": 10000, "msg": "success", "sub_code": "", "sub_msg": "", "data": {
            "shop_order_list": payloads, "page": 0, "size": len(payloads), "total": total, "has_more": more,
            "next_cursor": cursor,
        }}
    if path == "/order/logisticsAdd":
        reason = store.receive_shipment("douyin", str(body.get("order_id") or ""), str(body.get("company_code") or ""),
                                        str(body.get("logistics_code") or ""))
        if reason:
            return OK, {"code": 40004, "msg": "业务处理失败", "sub_code": "isv.business-failed", "sub_msg": reason,
                        "data": {}}
        return OK, {"code": 10000, "msg": "success", "sub_code": "", "sub_msg": "", "data": {}}
    return OK, {"code": 40002, "msg": "缺少或无效的方法", "sub_code": "isv.method-not-found", "sub_msg": path, "data": {}}


# -- AliExpress: POST /sync?method=… ----------------------------------------------------------------
def _aliexpress(store, path, query, body):
    method = query.get("method", "")
    if path == "/sync" and method == "aliexpress.solution.order.get":
        param = body.get("param0") if isinstance(body.get("param0"), dict) else {}
        payloads, cursor, more, total = _page(store, "aliexpress", param.get("cursor"), param.get("page_size", 20))
        return OK, {"aliexpress_solution_order_get_response": {"result": {
            "success": True, "target_list": {"order_dto": payloads}, "total_count": total, "has_more": more,
            "next_cursor": cursor,
        }}}
    if path == "/sync" and method == "aliexpress.solution.order.fulfill":
        reason = store.receive_shipment("aliexpress", str(body.get("out_ref") or ""), str(body.get("service_name") or ""),
                                        str(body.get("logistics_no") or ""))
        return OK, {"aliexpress_solution_order_fulfill_response": {"result": {
            "result_success": not reason, "result_error_code": "F00-00-10007-007" if reason else "",
            "result_error_desc": reason,
        }}}
    return OK, {"error_response": {"code": "22", "msg": "Invalid method", "sub_code": "", "sub_msg": method}}


_HANDLERS = {
    "taobao": _taobao,
    "jd": _jd,
    "pinduoduo": _pinduoduo,
    "douyin": _douyin,
    "aliexpress": _aliexpress,
}
