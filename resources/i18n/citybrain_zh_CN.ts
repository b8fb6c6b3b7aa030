<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>AreaPicker</name>
    <message>
        <source>All districts</source>
        <translation>全部区</translation>
    </message>
    <message>
        <source>All streets</source>
        <translation>全部街道</translation>
    </message>
    <message>
        <source>All communities</source>
        <translation>全部社区</translation>
    </message>
    <message>
        <source>All grid cells</source>
        <translation>全部网格</translation>
    </message>
</context>
<context>
    <name>AssignDialog</name>
    <message>
        <source>Assign case</source>
        <translation>分派案件</translation>
    </message>
    <message>
        <source>Category %1 · grid %2</source>
        <translation>类别 %1 · 网格 %2</translation>
    </message>
    <message>
        <source>(suggested: owns this category)</source>
        <translation>（建议：该类别主管单位）</translation>
    </message>
    <message>
        <source>(suggested: usually informed)</source>
        <translation>（建议：通常协办）</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>处置单位</translation>
    </message>
    <message>
        <source>Person (optional)</source>
        <translation>处置人（可选）</translation>
    </message>
    <message>
        <source>Note (optional)</source>
        <translation>备注（可选）</translation>
    </message>
    <message>
        <source>Assign</source>
        <translation>分派</translation>
    </message>
    <message>
        <source>Choose a unit</source>
        <translation>请选择处置单位</translation>
    </message>
</context>
<context>
    <name>CameraList</name>
    <message>
        <source>Search cameras: name, street, id</source>
        <translation>搜索摄像头：名称、街道、编号</translation>
    </message>
</context>
<context>
    <name>CameraTreeModel</name>
    <message>
        <source>{0} offline</source>
        <translation>{0} 离线</translation>
    </message>
    <message>
        <source>{0}  · offline</source>
        <translation>{0}  · 离线</translation>
    </message>
</context>
<context>
    <name>CaseActions</name>
    <message>
        <source>Refused as invalid</source>
        <translation>请求无效，被拒绝</translation>
    </message>
    <message>
        <source>Your role may not do this: %1</source>
        <translation>您的角色无权执行此操作：%1</translation>
    </message>
    <message>
        <source>Not found</source>
        <translation>未找到</translation>
    </message>
    <message>
        <source>No answer from the hub in time. The action may or may not have been applied: check the case before trying again.</source>
        <translation>指挥中心未及时响应。操作可能已执行，也可能未执行：请先查看案件再重试。</translation>
    </message>
    <message>
        <source>Not connected to the hub: nothing was sent. Try again once the connection is back.</source>
        <translation>未连接指挥中心：操作未发送。请在连接恢复后重试。</translation>
    </message>
    <message>
        <source>Your session has expired: log in again.</source>
        <translation>登录已过期，请重新登录。</translation>
    </message>
    <message>
        <source>New 12345 call…</source>
        <translation>新建12345来电…</translation>
    </message>
    <message>
        <source>Assign…</source>
        <translation>分派…</translation>
    </message>
    <message>
        <source>Next step</source>
        <translation>下一步</translation>
    </message>
    <message>
        <source>Move…</source>
        <translation>流转…</translation>
    </message>
    <message>
        <source>Send back…</source>
        <translation>退回重办…</translation>
    </message>
    <message>
        <source>Reject…</source>
        <translation>作废…</translation>
    </message>
    <message>
        <source>Link 12345–110 (best match)</source>
        <translation>两线联动（最佳匹配）</translation>
    </message>
    <message>
        <source>Nearest camera to the alarm tile</source>
        <translation>调取最近摄像头到报警画面</translation>
    </message>
    <message>
        <source>New 12345 call</source>
        <translation>新建12345来电</translation>
    </message>
    <message>
        <source>Assign</source>
        <translation>分派</translation>
    </message>
    <message>
        <source>Move</source>
        <translation>流转</translation>
    </message>
    <message>
        <source>Send back</source>
        <translation>退回重办</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>作废</translation>
    </message>
    <message>
        <source>No likely 12345–110 partner for this case</source>
        <translation>该案件没有可能的两线联动对象</translation>
    </message>
    <message>
        <source>Link with %1</source>
        <translation>与 %1 联动</translation>
    </message>
    <message>
        <source>Done: %1 (%2)</source>
        <translation>已完成：%1（%2）</translation>
    </message>
    <message>
        <source>Done: %1</source>
        <translation>已完成：%1</translation>
    </message>
    <message>
        <source>Conflict: %1 was changed by %2 first</source>
        <translation>冲突：%1 已先被 %2 修改</translation>
    </message>
</context>
<context>
    <name>CaseDetailPanel</name>
    <message>
        <source>No urgent case open. A new P1 or P2 case shows here by itself.</source>
        <translation>暂无特急、紧急案件。新的特急、紧急案件会自动显示在这里。</translation>
    </message>
    <message>
        <source>Select a case in the queue (Alt+1) to see it here</source>
        <translation>在案件队列（Alt+1）中选择一个案件，在此查看详情</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <source>Evidence</source>
        <translation>证据</translation>
    </message>
    <message>
        <source>Linked cases</source>
        <translation>关联案件</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>办理记录</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Position</source>
        <translation>坐标</translation>
    </message>
    <message>
        <source>Reported</source>
        <translation>上报时间</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>更新时间</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>办结时限</translation>
    </message>
    <message>
        <source>Assigned to</source>
        <translation>处置单位</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <source>Sensor</source>
        <translation>传感器</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>来电人</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>12345–110 link suggestions</source>
        <translation>两线联动建议</translation>
    </message>
    <message>
        <source>Link selected (Enter) · best match (L)</source>
        <translation>联动所选（Enter）· 最佳匹配（L）</translation>
    </message>
    <message>
        <source>Time (UTC+8)</source>
        <translation>时间（北京时间）</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>What</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>剩余 %1</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>not in the console's window</source>
        <translation>不在本控制台的时间范围内</translation>
    </message>
    <message>
        <source>match %1</source>
        <translation>匹配度 %1</translation>
    </message>
    <message>
        <source>No likely partner within 2 h and 3 km</source>
        <translation>2小时、3公里内没有可能的联动对象</translation>
    </message>
    <message>
        <source>Loading the timeline…</source>
        <translation>正在加载办理记录…</translation>
    </message>
    <message>
        <source>Not connected: the timeline cannot be loaded</source>
        <translation>未连接：无法加载办理记录</translation>
    </message>
    <message>
        <source>The timeline could not be loaded: %1</source>
        <translation>无法加载办理记录：%1</translation>
    </message>
    <message>
        <source>%1 steps</source>
        <translation>共 %1 步</translation>
    </message>
</context>
<context>
    <name>CaseFields</name>
    <message>
        <source>Unit</source>
        <translation>处置单位</translation>
    </message>
    <message>
        <source>Person</source>
        <translation>处置人</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Next status</source>
        <translation>下一状态</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <source>Location</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>Grid cell</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>来电人</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Assignee</source>
        <translation>处置单位</translation>
    </message>
    <message>
        <source>Links</source>
        <translation>关联</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>办结时限</translation>
    </message>
    <message>
        <source>Evidence</source>
        <translation>证据</translation>
    </message>
    <message>
        <source>Other case</source>
        <translation>另一案件</translation>
    </message>
    <message>
        <source>Relation</source>
        <translation>关联类型</translation>
    </message>
    <message>
        <source>Case</source>
        <translation>案件</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
</context>
<context>
    <name>CaseFilterBar</name>
    <message>
        <source>Search title, address or case number (Ctrl+F)</source>
        <translation>搜索标题、地址或案件编号（Ctrl+F）</translation>
    </message>
    <message>
        <source>All sources</source>
        <translation>全部来源</translation>
    </message>
    <message>
        <source>All categories</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <source>All priorities</source>
        <translation>全部优先级</translation>
    </message>
    <message>
        <source>Likely 12345 twins</source>
        <translation>疑似两线同事件</translation>
    </message>
    <message>
        <source>Open 110 calls not linked yet whose best 12345 match is strong</source>
        <translation>尚未联动、且与某条12345来电高度匹配的未办结110警情</translation>
    </message>
    <message>
        <source>Clear filters</source>
        <translation>清除筛选</translation>
    </message>
    <message>
        <source>Filters</source>
        <translation>筛选</translation>
    </message>
    <message>
        <source>Filters (%1)</source>
        <translation>筛选（%1）</translation>
    </message>
</context>
<context>
    <name>CaseFormDialog</name>
    <message>
        <source>Send</source>
        <translation>提交</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>正在提交…</translation>
    </message>
</context>
<context>
    <name>CaseFormat</name>
    <message>
        <source>%1d %2</source>
        <translation>%1天 %2</translation>
    </message>
    <message>
        <source>Overdue %1</source>
        <translation>超时 %1</translation>
    </message>
    <message>
        <source>same grid cell</source>
        <translation>同一网格</translation>
    </message>
    <message>
        <source>%1 km apart</source>
        <translation>相距 %1 km</translation>
    </message>
    <message>
        <source>%1 m apart</source>
        <translation>相距 %1 m</translation>
    </message>
    <message>
        <source>%1 min apart</source>
        <translation>间隔 %1 分钟</translation>
    </message>
    <message>
        <source>same category</source>
        <translation>同类</translation>
    </message>
    <message>
        <source>related category</source>
        <translation>相近类别</translation>
    </message>
    <message>
        <source>same phone number</source>
        <translation>同一号码</translation>
    </message>
</context>
<context>
    <name>CaseOps</name>
    <message>
        <source>created</source>
        <translation>创建</translation>
    </message>
    <message>
        <source>assigned</source>
        <translation>分派</translation>
    </message>
    <message>
        <source>moved</source>
        <translation>流转</translation>
    </message>
    <message>
        <source>linked</source>
        <translation>联动</translation>
    </message>
    <message>
        <source>unlinked</source>
        <translation>取消联动</translation>
    </message>
    <message>
        <source>call received</source>
        <translation>来电接入</translation>
    </message>
    <message>
        <source>evidence attached</source>
        <translation>附加证据</translation>
    </message>
    <message>
        <source>AI sighting</source>
        <translation>AI识别</translation>
    </message>
    <message>
        <source>sensor alarm</source>
        <translation>传感器报警</translation>
    </message>
</context>
<context>
    <name>CaseQueuePanel</name>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Clear search and filters</source>
        <translation>清除搜索和筛选</translation>
    </message>
    <message>
        <source>Tab: %1</source>
        <translation>切换到：%1</translation>
    </message>
    <message>
        <source>Showing %1 of %2 cases · %3 overdue</source>
        <translation>显示 %1 / 共 %2 件 · 超时 %3 件</translation>
    </message>
</context>
<context>
    <name>CaseTableModel</name>
    <message>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <source>SLA</source>
        <translation>时限</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Area</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>处置单位</translation>
    </message>
    <message>
        <source>Reported</source>
        <translation>上报时间</translation>
    </message>
    <message>
        <source>Links</source>
        <translation>关联</translation>
    </message>
    <message>
        <source>twin?</source>
        <translation>疑似联动</translation>
    </message>
    <message>
        <source>Due %1</source>
        <translation>办结时限 %1</translation>
    </message>
</context>
<context>
    <name>ConflictDialog</name>
    <message>
        <source>The case was changed by someone else</source>
        <translation>案件已被他人修改</translation>
    </message>
    <message>
        <source>%1 changed while you worked on it: you saw version %2, it is now version %3. Nothing of yours was applied.</source>
        <translation>%1 在您处理期间已被修改：您看到的是第 %2 版，现在是第 %3 版。您的操作未生效。</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <source>You saw</source>
        <translation>您看到的</translation>
    </message>
    <message>
        <source>Now</source>
        <translation>现在</translation>
    </message>
    <message>
        <source>Your action: %1</source>
        <translation>您的操作：%1</translation>
    </message>
    <message>
        <source>Retry on the new version</source>
        <translation>重新执行</translation>
    </message>
    <message>
        <source>Discard my action</source>
        <translation>放弃我的操作</translation>
    </message>
    <message>
        <source>Changed by: (history not available)</source>
        <translation>修改人：（无法获取操作记录）</translation>
    </message>
    <message>
        <source>Changed by: %1</source>
        <translation>修改人：%1</translation>
    </message>
</context>
<context>
    <name>Connection</name>
    <message>
        <source>The data shown may be out of date</source>
        <translation>显示的数据可能已过时</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>已连接</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>Connecting to the command center… no live data yet</source>
        <translation>正在连接指挥中心… 尚无实时数据</translation>
    </message>
    <message>
        <source>Reconnecting in %1 s</source>
        <translation>%1 秒后重连</translation>
    </message>
    <message>
        <source>Connection to the command center lost — reconnecting in %1 s…</source>
        <translation>与指挥中心失去连接 — 正在重连（%1 秒）…</translation>
    </message>
    <message>
        <source>Reconnecting…</source>
        <translation>正在重连…</translation>
    </message>
    <message>
        <source>Connection to the command center lost — reconnecting now…</source>
        <translation>与指挥中心失去连接 — 正在重连…</translation>
    </message>
    <message>
        <source>login refused</source>
        <translation>登录被拒绝</translation>
    </message>
    <message>
        <source>The hub refused the login (%1) — log in again.</source>
        <translation>指挥中心拒绝了登录（%1）— 请重新登录。</translation>
    </message>
    <message>
        <source>Not authorized</source>
        <translation>未授权</translation>
    </message>
    <message>
        <source>Not connected to the command center — log in to receive live data.</source>
        <translation>未连接指挥中心 — 请登录以接收实时数据。</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>No data yet</source>
        <translation>尚无数据</translation>
    </message>
    <message>
        <source>Data %1 s ago</source>
        <translation>数据更新于 %1 秒前</translation>
    </message>
    <message>
        <source>Data %1 min ago</source>
        <translation>数据更新于 %1 分钟前</translation>
    </message>
    <message>
        <source>Data %1 h ago</source>
        <translation>数据更新于 %1 小时前</translation>
    </message>
    <message>
        <source>Hub time %1</source>
        <translation>指挥中心时间 %1</translation>
    </message>
    <message>
        <source>Not logged in</source>
        <translation>未登录</translation>
    </message>
</context>
<context>
    <name>ConnectionBanner</name>
    <message>
        <source>Log in…</source>
        <translation>登录…</translation>
    </message>
</context>
<context>
    <name>ConsoleShell</name>
    <message>
        <source>The hub refused the login: %1</source>
        <translation>指挥中心拒绝了登录：%1</translation>
    </message>
    <message>
        <source>Cannot reach the hub at %1 — retrying…</source>
        <translation>无法连接指挥中心 %1 — 正在重试…</translation>
    </message>
</context>
<context>
    <name>IntakeDialog</name>
    <message>
        <source>New 12345 hotline call</source>
        <translation>新建12345热线来电</translation>
    </message>
    <message>
        <source>Record a call taken by phone</source>
        <translation>登记电话受理的来电</translation>
    </message>
    <message>
        <source>Caller name</source>
        <translation>来电人姓名</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <source>By category</source>
        <translation>按类别默认</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <source>What the caller says</source>
        <translation>来电人反映的情况</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Grid cell</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>lat</source>
        <translation>纬度</translation>
    </message>
    <message>
        <source>lon</source>
        <translation>经度</translation>
    </message>
    <message>
        <source>Or position</source>
        <translation>或坐标</translation>
    </message>
    <message>
        <source>Resolved cell</source>
        <translation>所在网格</translation>
    </message>
    <message>
        <source>Create case</source>
        <translation>创建案件</translation>
    </message>
    <message>
        <source>Pick a grid cell, or type a position inside Wuhai</source>
        <translation>请选择网格，或输入乌海市内的坐标</translation>
    </message>
    <message>
        <source>The caller's phone number is required</source>
        <translation>必须填写来电号码</translation>
    </message>
    <message>
        <source>A title is required</source>
        <translation>必须填写标题</translation>
    </message>
    <message>
        <source>The place is not in any grid cell of Wuhai</source>
        <translation>该位置不在乌海市任何网格内</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Log in — City Brain command center</source>
        <translation>登录 — 城市大脑指挥中心</translation>
    </message>
    <message>
        <source>City Brain command center — Wuhai</source>
        <translation>城市大脑指挥中心 — 乌海</translation>
    </message>
    <message>
        <source>Remember password on this workstation</source>
        <translation>在本工作站记住密码</translation>
    </message>
    <message>
        <source>Hub address</source>
        <translation>指挥中心地址</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>No system keyring is available: this workstation cannot remember your login, so you will be asked to log in each time.</source>
        <translation>本机没有可用的系统密钥环：无法记住您的登录，每次启动都需要重新登录。</translation>
    </message>
    <message>
        <source>Connecting to %1 …</source>
        <translation>正在连接 %1 …</translation>
    </message>
    <message>
        <source>The hub address must start with ws:// or wss://</source>
        <translation>指挥中心地址必须以 ws:// 或 wss:// 开头</translation>
    </message>
    <message>
        <source>Enter your user name</source>
        <translation>请输入用户名</translation>
    </message>
    <message>
        <source>Enter your password</source>
        <translation>请输入密码</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Safe mode: panels are not loaded.</source>
        <translation>安全模式：未加载各功能面板。</translation>
    </message>
    <message>
        <source>Module %1 is not installed yet.</source>
        <translation>模块 %1 尚未安装。</translation>
    </message>
    <message>
        <source>Show %1</source>
        <translation>显示%1</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>Log out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>Log in…</source>
        <translation>登录…</translation>
    </message>
    <message>
        <source>Export shift report…</source>
        <translation>导出交班报告…</translation>
    </message>
    <message>
        <source>Full screen</source>
        <translation>全屏</translation>
    </message>
    <message>
        <source>Reset layout</source>
        <translation>重置布局</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Switch language (中文 / English)</source>
        <translation>切换语言（中文 / English）</translation>
    </message>
    <message>
        <source>&amp;Console</source>
        <translation>控制台(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>City Brain command center — Wuhai</source>
        <translation>城市大脑指挥中心 — 乌海</translation>
    </message>
    <message>
        <source>Layout reset</source>
        <translation>布局已重置</translation>
    </message>
    <message>
        <source>Console</source>
        <translation>控制台</translation>
    </message>
    <message>
        <source>The console will show %1 after a restart. Restart now?</source>
        <translation>重新启动后界面将切换为%1。现在重新启动吗？</translation>
    </message>
    <message>
        <source>Restart now</source>
        <translation>立即重启</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
    <message>
        <source>Export shift report to…</source>
        <translation>导出交班报告到…</translation>
    </message>
    <message>
        <source>Writing the shift report…</source>
        <translation>正在生成交班报告…</translation>
    </message>
    <message>
        <source>Shift report written to %1 — %2 received, %3 closed, %4 open, %5 overdue</source>
        <translation>交班报告已保存：%1 — 本时段受理 %2 件、办结 %3 件，当前未办结 %4 件、超时 %5 件</translation>
    </message>
    <message>
        <source>The shift report was not written</source>
        <translation>交班报告未能保存</translation>
    </message>
    <message>
        <source>Export shift report</source>
        <translation>导出交班报告</translation>
    </message>
    <message>
        <source>The shift report could not be written to %1:
%2</source>
        <translation>交班报告无法写入 %1：
%2</translation>
    </message>
</context>
<context>
    <name>MapPanel</name>
    <message>
        <source>Waiting for the hub…</source>
        <translation>等待连接中心…</translation>
    </message>
    <message>
        <source>Cases</source>
        <translation>案件</translation>
    </message>
    <message>
        <source>Open cases, coloured by priority; a red ring is overdue</source>
        <translation>在办案件，颜色表示紧急程度；红圈表示超期</translation>
    </message>
    <message>
        <source>Sensors</source>
        <translation>感知设备</translation>
    </message>
    <message>
        <source>Water level, manhole, gas and elder sensors; alarms pulse</source>
        <translation>水位、井盖、燃气和独居老人感知设备；报警时闪烁</translation>
    </message>
    <message>
        <source>Cameras</source>
        <translation>视频</translation>
    </message>
    <message>
        <source>Street, traffic and compound cameras</source>
        <translation>街面、交通路口和小区摄像机</translation>
    </message>
    <message>
        <source>Yellow River</source>
        <translation>黄河高点</translation>
    </message>
    <message>
        <source>The 19 high cameras along the Yellow River</source>
        <translation>黄河沿岸19路高点摄像机</translation>
    </message>
    <message>
        <source>AI pending</source>
        <translation>AI预警</translation>
    </message>
    <message>
        <source>AI sightings in their grace period, with the time left</source>
        <translation>宽限期内的AI识别，显示剩余时间</translation>
    </message>
    <message>
        <source>Due soon</source>
        <translation>临期</translation>
    </message>
    <message>
        <source>Past due</source>
        <translation>已超期</translation>
    </message>
    <message>
        <source>acknowledged</source>
        <translation>已确认</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>min</source>
        <translation>分钟</translation>
    </message>
    <message>
        <source>%1 open</source>
        <translation>在办 %1</translation>
    </message>
    <message>
        <source>%1 overdue</source>
        <translation>超期 %1</translation>
    </message>
    <message>
        <source>%1 due soon</source>
        <translation>临期 %1</translation>
    </message>
    <message>
        <source>no open cases</source>
        <translation>无在办</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>剩余 %1</translation>
    </message>
    <message>
        <source>becoming a case</source>
        <translation>即将转为案件</translation>
    </message>
    <message>
        <source>Case load</source>
        <translation>案件负荷</translation>
    </message>
    <message>
        <source>Overdue cases (deeper = more)</source>
        <translation>有超期案件（颜色越深越多）</translation>
    </message>
    <message>
        <source>Cases due soon</source>
        <translation>有临期案件</translation>
    </message>
    <message>
        <source>Open cases (deeper = more)</source>
        <translation>有在办案件（颜色越深越多）</translation>
    </message>
    <message>
        <source>No open cases</source>
        <translation>无在办案件</translation>
    </message>
    <message>
        <source>Cases by priority</source>
        <translation>案件（按紧急程度）</translation>
    </message>
    <message>
        <source>Overdue case</source>
        <translation>超期案件</translation>
    </message>
    <message>
        <source>Sensor alarm (pulsing until acknowledged)</source>
        <translation>设备报警（确认前闪烁）</translation>
    </message>
    <message>
        <source>Map tile URL is not an XYZ template ({z}/{x}/{y}); showing the map without tiles</source>
        <translation>地图瓦片地址不是 XYZ 模板（{z}/{x}/{y}），地图将不显示底图</translation>
    </message>
    <message>
        <source>City tile server</source>
        <translation>城市瓦片服务</translation>
    </message>
    <message>
        <source>%1 cell %2</source>
        <translation>%1第%2网格</translation>
    </message>
    <message>
        <source>Loading the grid from the hub…</source>
        <translation>正在从中心加载网格…</translation>
    </message>
    <message>
        <source>Grid unavailable (%1): retrying</source>
        <translation>网格暂不可用（%1），正在重试</translation>
    </message>
    <message>
        <source>%1 open · %2 overdue · %3 due soon</source>
        <translation>在办 %1 · 超期 %2 · 临期 %3</translation>
    </message>
</context>
<context>
    <name>MoveDialog</name>
    <message>
        <source>Move case</source>
        <translation>流转案件</translation>
    </message>
    <message>
        <source>Next status</source>
        <translation>下一状态</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Required to reject or to send back</source>
        <translation>作废或退回时必填</translation>
    </message>
    <message>
        <source>Note (required)</source>
        <translation>备注（必填）</translation>
    </message>
    <message>
        <source>No move is allowed from this status</source>
        <translation>当前状态不允许流转</translation>
    </message>
    <message>
        <source>A note is required for this move</source>
        <translation>此流转必须填写备注</translation>
    </message>
</context>
<context>
    <name>PlaceholderPanel</name>
    <message>
        <source>%1 — live summary</source>
        <translation>%1 — 实时概况</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>已超时</translation>
    </message>
    <message>
        <source>Open cases</source>
        <translation>未办结案件</translation>
    </message>
    <message>
        <source>Alarms not acknowledged</source>
        <translation>未确认报警</translation>
    </message>
    <message>
        <source>Cameras online</source>
        <translation>在线摄像头</translation>
    </message>
    <message>
        <source>Cameras offline</source>
        <translation>离线摄像头</translation>
    </message>
    <message>
        <source>Pending AI detections</source>
        <translation>待确认AI识别</translation>
    </message>
    <message>
        <source>Closed or rejected (24 h)</source>
        <translation>已办结/退回（24小时）</translation>
    </message>
    <message>
        <source>Sensors in alarm</source>
        <translation>报警传感器</translation>
    </message>
</context>
<context>
    <name>RejectDialog</name>
    <message>
        <source>Reject case</source>
        <translation>作废案件</translation>
    </message>
    <message>
        <source>Invalid</source>
        <translation>无效</translation>
    </message>
    <message>
        <source>Duplicate</source>
        <translation>重复</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Note (required)</source>
        <translation>备注（必填）</translation>
    </message>
    <message>
        <source>Why, or which case it duplicates</source>
        <translation>作废原因，或与哪个案件重复</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>作废</translation>
    </message>
    <message>
        <source>A note is required to reject a case</source>
        <translation>作废案件必须填写说明</translation>
    </message>
</context>
<context>
    <name>SendBackDialog</name>
    <message>
        <source>Send back for rework</source>
        <translation>退回重办</translation>
    </message>
    <message>
        <source>Reason (required)</source>
        <translation>原因（必填）</translation>
    </message>
    <message>
        <source>What is still wrong on site</source>
        <translation>现场仍存在的问题</translation>
    </message>
    <message>
        <source>Send back</source>
        <translation>退回重办</translation>
    </message>
    <message>
        <source>Say why the case goes back</source>
        <translation>请说明退回原因</translation>
    </message>
</context>
<context>
    <name>SensorCard</name>
    <message>
        <source>Acknowledge</source>
        <translation>确认告警</translation>
    </message>
    <message>
        <source>Acknowledge this alarm (A)</source>
        <translation>确认此告警（A）</translation>
    </message>
    <message>
        <source>{0} h {1} min</source>
        <translation>{0}小时{1}分</translation>
    </message>
    <message>
        <source>{0} min</source>
        <translation>{0}分钟</translation>
    </message>
    <message>
        <source>steady</source>
        <translation>平稳</translation>
    </message>
    <message>
        <source>{0} {1:+.1f} {2} / {3} min</source>
        <translation>{0} {1:+.1f} {2} / {3}分钟</translation>
    </message>
    <message>
        <source>No data: the sensor stopped reporting</source>
        <translation>无数据：传感器已停止上报</translation>
    </message>
    <message>
        <source>Alarm line in about {0} min</source>
        <translation>约 {0} 分钟后到达报警线</translation>
    </message>
    <message>
        <source>Warning line in about {0} min</source>
        <translation>约 {0} 分钟后到达预警线</translation>
    </message>
    <message>
        <source>{0} held: ends below {1:g} {2}</source>
        <translation>仍保持{0}：降至 {1:g} {2} 以下解除</translation>
    </message>
    <message>
        <source>{0} held: ends above {1:g} {2}</source>
        <translation>仍保持{0}：升至 {1:g} {2} 以上解除</translation>
    </message>
    <message>
        <source>Cover seated</source>
        <translation>井盖归位</translation>
    </message>
    <message>
        <source>Cover tilted</source>
        <translation>井盖倾斜</translation>
    </message>
    <message>
        <source>Cover open or displaced</source>
        <translation>井盖打开或移位</translation>
    </message>
    <message>
        <source>Since the resident last moved</source>
        <translation>距老人上次活动</translation>
    </message>
    <message>
        <source>No movement for over {0} h: check on the resident</source>
        <translation>超过 {0} 小时无活动：请联系或上门查看老人</translation>
    </message>
    <message>
        <source>no reading yet</source>
        <translation>尚无读数</translation>
    </message>
    <message>
        <source>time of reading unknown</source>
        <translation>读数时间未知</translation>
    </message>
    <message>
        <source>data {0} s old</source>
        <translation>数据更新于 {0} 秒前</translation>
    </message>
    <message>
        <source>data {0} min old</source>
        <translation>数据更新于 {0} 分钟前</translation>
    </message>
    <message>
        <source>data {0} h old</source>
        <translation>数据更新于 {0} 小时前</translation>
    </message>
    <message>
        <source>acked</source>
        <translation>已确认</translation>
    </message>
    <message>
        <source>new</source>
        <translation>未确认</translation>
    </message>
</context>
<context>
    <name>SensorPanel</name>
    <message>
        <source>All kinds</source>
        <translation>全部类型</translation>
    </message>
    <message>
        <source>All states</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <source>Alarm + warning</source>
        <translation>报警 + 预警</translation>
    </message>
    <message>
        <source>Search sensors: name, street, id</source>
        <translation>搜索传感器：名称、街道、编号</translation>
    </message>
    <message>
        <source>No sensor matches the filter</source>
        <translation>没有符合筛选条件的传感器</translation>
    </message>
    <message>
        <source>Alarm {0} ({1} unacknowledged)</source>
        <translation>报警 {0}（{1} 未确认）</translation>
    </message>
    <message>
        <source>Warning {0}</source>
        <translation>预警 {0}</translation>
    </message>
    <message>
        <source>Offline {0}</source>
        <translation>离线 {0}</translation>
    </message>
    <message>
        <source>{0} of {1} shown</source>
        <translation>显示 {0} / {1}</translation>
    </message>
    <message>
        <source>Could not acknowledge {0}: {1}</source>
        <translation>未能确认 {0}：{1}</translation>
    </message>
    <message>
        <source>Acknowledged: {0}</source>
        <translation>已确认：{0}</translation>
    </message>
</context>
<context>
    <name>ShortcutHelpDialog</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <source>Every action of the console can be reached from the keyboard.</source>
        <translation>控制台的每项操作都可以用键盘完成。</translation>
    </message>
</context>
<context>
    <name>SnapshotAttacher</name>
    <message>
        <source>Could not attach the snapshot: {0}</source>
        <translation>抓拍图片未能附加：{0}</translation>
    </message>
    <message>
        <source>Case {0} is not in the console's window</source>
        <translation>案件 {0} 不在本坐席的显示范围内</translation>
    </message>
    <message>
        <source>Case {0} was changed meanwhile and is now {1}: the snapshot was not attached</source>
        <translation>案件 {0} 已被他人修改，当前状态为{1}，抓拍图片未附加</translation>
    </message>
    <message>
        <source>Snapshot attached to case {0} (version {1})</source>
        <translation>抓拍图片已附加到案件 {0}（版本 {1}）</translation>
    </message>
</context>
<context>
    <name>VideoPanel</name>
    <message>
        <source>Attach snapshot to case</source>
        <translation>抓拍附加到案件</translation>
    </message>
    <message>
        <source>Layout</source>
        <translation>分屏</translation>
    </message>
    <message>
        <source>{0} tiles</source>
        <translation>{0} 画面</translation>
    </message>
    <message>
        <source>Snapshot</source>
        <translation>抓拍</translation>
    </message>
    <message>
        <source>Save the selected tile's picture as PNG (Ctrl+Shift+S)</source>
        <translation>将选中画面抓拍存为 PNG（Ctrl+Shift+S）</translation>
    </message>
    <message>
        <source>python-vlc or the libVLC library could not be loaded</source>
        <translation>无法加载 python-vlc 或 libVLC 库</translation>
    </message>
    <message>
        <source>the libVLC library was not found</source>
        <translation>未找到 libVLC 库</translation>
    </message>
    <message>
        <source>libVLC started without its plugins</source>
        <translation>libVLC 缺少插件，无法启动</translation>
    </message>
    <message>
        <source>Video playback is not available here: {0} ({1}).</source>
        <translation>本机无法播放视频：{0}（{1}）。</translation>
    </message>
    <message>
        <source>Install VLC 3: {0}</source>
        <translation>请安装 VLC 3：{0}</translation>
    </message>
    <message>
        <source>Everything else in the console works normally.</source>
        <translation>坐席的其他功能不受影响，可照常使用。</translation>
    </message>
    <message>
        <source>Empty tile</source>
        <translation>空闲画面</translation>
    </message>
    <message>
        <source>No camera within 300 m of this case</source>
        <translation>该案件 300 米内没有摄像头</translation>
    </message>
    <message>
        <source>Cameras online {0} / {1}</source>
        <translation>摄像头在线 {0} / {1}</translation>
    </message>
    <message>
        <source>Drag a camera here, or double-click one in the list</source>
        <translation>把摄像头拖到这里，或在左侧列表中双击摄像头</translation>
    </message>
    <message>
        <source>No video</source>
        <translation>无视频</translation>
    </message>
    <message>
        <source>Video playback unavailable (libVLC missing)</source>
        <translation>无法播放视频（缺少 libVLC）</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>LIVE</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Connecting</source>
        <translation>连接中</translation>
    </message>
    <message>
        <source>Stalled</source>
        <translation>卡顿</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>Cannot play</source>
        <translation>无法播放</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>Paused while hidden</source>
        <translation>画面未显示，已暂停解码</translation>
    </message>
    <message>
        <source>RTSP cameras need ffmpeg here to relay them: sudo apt install ffmpeg</source>
        <translation>本机播放 RTSP 摄像头需要 ffmpeg 转流：sudo apt install ffmpeg</translation>
    </message>
    <message>
        <source>No signal — retrying in {0} s</source>
        <translation>无信号 — {0} 秒后重连</translation>
    </message>
    <message>
        <source>Nothing to snapshot in this tile</source>
        <translation>此画面没有可抓拍的视频</translation>
    </message>
    <message>
        <source>Snapshot failed: {0}</source>
        <translation>抓拍失败：{0}</translation>
    </message>
    <message>
        <source>Snapshot saved (path copied): {0}</source>
        <translation>抓拍已保存（路径已复制）：{0}</translation>
    </message>
    <message>
        <source>— Ctrl+Shift+A attaches it to case {0}</source>
        <translation>— 按 Ctrl+Shift+A 附加到案件 {0}</translation>
    </message>
    <message>
        <source>Attach to case {0}</source>
        <translation>附加到案件 {0}</translation>
    </message>
    <message>
        <source>Attach the last snapshot to case {0}</source>
        <translation>将最近一次抓拍附加到案件 {0}</translation>
    </message>
    <message>
        <source>Select an open case to attach the last snapshot to it</source>
        <translation>请先选择一个未办结的案件，再附加最近一次抓拍</translation>
    </message>
    <message>
        <source>Take a snapshot first (Ctrl+Shift+S)</source>
        <translation>请先抓拍（Ctrl+Shift+S）</translation>
    </message>
    <message>
        <source>Attaching the snapshot to case {0}…</source>
        <translation>正在将抓拍附加到案件 {0}…</translation>
    </message>
    <message>
        <source>Retry now</source>
        <translation>立即重连</translation>
    </message>
    <message>
        <source>Restore grid</source>
        <translation>恢复分屏</translation>
    </message>
    <message>
        <source>Fill the panel</source>
        <translation>放大显示</translation>
    </message>
    <message>
        <source>Use as alarm tile</source>
        <translation>设为报警画面</translation>
    </message>
    <message>
        <source>Dismiss alarm banner</source>
        <translation>关闭报警提示条</translation>
    </message>
    <message>
        <source>Clear tile</source>
        <translation>关闭画面</translation>
    </message>
</context>
<context>
    <name>VideoTile</name>
    <message>
        <source>{0} s ago</source>
        <translation>{0}秒前</translation>
    </message>
    <message>
        <source>{0} min ago</source>
        <translation>{0}分钟前</translation>
    </message>
    <message>
        <source>{0} h ago</source>
        <translation>{0}小时前</translation>
    </message>
    <message>
        <source>Alarm tile</source>
        <translation>报警画面</translation>
    </message>
    <message>
        <source>When the last picture arrived</source>
        <translation>最后一帧画面到达的时间</translation>
    </message>
    <message>
        <source>Cameras of new alarms open in this tile</source>
        <translation>新报警关联的摄像头在此画面打开</translation>
    </message>
    <message>
        <source>Alarm: click to open the case</source>
        <translation>报警：点击打开案件</translation>
    </message>
</context>
</TS>