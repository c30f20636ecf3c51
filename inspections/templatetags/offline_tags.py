"""The words the offline scripts show (banner, draft states, sync refusals), in the page's language:
rendered once as JSON data (not script, so the CSP stays closed) and read by static/js/offline/."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.html import json_script
from django.utils.translation import gettext as _

register = template.Library()


def offline_messages() -> dict[str, str]:
    return {
        "state_pending": _("待同步"),
        "state_syncing": _("同步中"),
        "state_synced": _("已同步"),
        "state_failed": _("同步失败"),
        "offline": _("当前没有网络：检查记录会保存为本机草稿，联网后自动同步。"),
        "unsynced": _("未同步的离线草稿：%(count)s 条"),
        "reason_network": _("网络不通，联网后自动重试。"),
        "reason_server": _("服务器暂时无法处理，稍后自动重试。"),
        "reason_session": _("登录已过期：请重新登录。草稿仍保存在本机，登录后自动同步。"),
        "reason_refused": _("服务器拒绝了这条草稿，草稿仍保存在本机："),
        "reason_photos": _("检查记录已保存到服务器，照片尚未全部上传：%(done)s/%(total)s。"),
        "saved": _("已保存为离线草稿，联网后自动同步。"),
        "saved_with_problems": _("草稿已保存，但有以下问题："),
        "quota": _(
            "本机存储空间已满，照片“%(name)s”未能保存，草稿的其余内容已保存。可移除已同步的草稿或清理浏览器数据后重新添加。"
        ),
        "quota_draft": _(
            "本机存储空间已满，草稿未能保存。请移除已同步的草稿或清理浏览器数据后重试，页面上填写的内容仍在。"
        ),
        "photo_too_large": _("照片“%(name)s”压缩后仍超过 %(limit)s，未保存；草稿的其余内容已保存。"),
        "photo_unreadable": _("无法读取照片“%(name)s”（格式不支持或文件已损坏），未保存；草稿的其余内容已保存。"),
        "not_a_photo": _("离线时只能保存照片；文件“%(name)s”请联网后在检查记录中补充上传。"),
        "required_visited_on": _("请填写检查日期。"),
        "future_visited_on": _("检查日期不能晚于今天。"),
        "required_place": _("请填写检查地点。"),
        "required_methods": _("请至少选择一种检查方式。"),
        "required_summary": _("请填写检查情况。"),
        "finding_incomplete": _("每条发现都需要类型和内容。"),
        "geo_pair": _("经纬度需同时填写，或同时留空。"),
        "editing": _("正在修改本机的离线草稿，保存后联网自动同步。"),
        "draft_missing": _("本机没有这条草稿（可能已放弃，或属于其他用户）。"),
        "draft_locked": _("这条草稿已开始同步，不能再修改。"),
        "logout_unsynced": _(
            "您还有 %(count)s 条离线草稿未同步。退出后草稿仍保留在本机，其他用户看不到，您重新登录后自动同步。确定退出吗？"
        ),
        "discard_confirm": _("确定放弃这条离线草稿吗？放弃后无法恢复。"),
        "no_drafts": _("本机没有您的离线草稿。"),
        "findings_count": _("%(count)s 条发现"),
        "photos_count": _("%(count)s 张照片"),
        "edit": _("修改"),
        "discard": _("放弃"),
        "retry": _("重新同步"),
        "view_visit": _("查看检查记录"),
        "remove": _("从本机移除"),
        "remove_photo": _("移除"),
        "saved_at": _("保存于"),
        "synced_at": _("同步于"),
        "no_place": _("（未填地点）"),
        "photo_limit": filesizeformat(settings.DUDAO_UPLOAD_MAX_BYTES),
    }


@register.simple_tag
def offline_messages_json():
    return json_script(offline_messages(), "dd-offline-messages")
