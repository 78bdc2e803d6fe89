# bash completion for vswitchctl. Install: cp tools/vswitchctl-completion.bash /etc/bash_completion.d/vswitchctl
# Commands, bridges, ports and UUIDs are completed; the command list is checked against vswitchctl's own
# catalog by a unit test, so the two cannot drift apart.

_vswitchctl_commands="addbr delbr addif delif show showmacs setageing stp addtap addvif addsock delvif trunk maclimit addbond delbond bond fdb network-list pif-list vif-list network-param-set vif-param-set vif-param-add vif-param-remove pif-param-set pif-reconfigure-ip stats capture"

_vswitchctl_bridges() {
    vswitchctl show --json 2>/dev/null | grep -o '"bridge":"[^"]*"' | cut -d'"' -f4
}

_vswitchctl_ports() {
    vswitchctl show --json 2>/dev/null | grep -o '"interfaces":\[[^]]*\]' | grep -o '"[^"]*"' | grep -v interfaces | tr -d '"'
}

_vswitchctl_uuids() {
    vswitchctl "$1" params=uuid --json 2>/dev/null | grep -o '"uuid":"[^"]*"' | cut -d'"' -f4 | sed 's/^/uuid=/'
}

_vswitchctl() {
    local cur prev command
    COMPREPLY=()
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    command=""
    local i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in
            --socket) ((i++)) ;;
            -*) ;;
            *) command="${COMP_WORDS[i]}"; break ;;
        esac
    done

    if [[ -z "$command" ]]; then
        COMPREPLY=($(compgen -W "$_vswitchctl_commands --help --socket" -- "$cur"))
        return
    fi

    local position=$((COMP_CWORD - i))
    case "$command" in
        delbr|show|showmacs|setageing|stp|addif|addtap|addvif|addsock)
            if [[ $position -eq 1 ]]; then COMPREPLY=($(compgen -W "$(_vswitchctl_bridges)" -- "$cur"))
            elif [[ $command == stp && $position -eq 2 ]]; then COMPREPLY=($(compgen -W "on off" -- "$cur"))
            elif [[ $command == addif && $position -eq 2 ]]; then COMPREPLY=($(compgen -W "$(ls /sys/class/net)" -- "$cur"))
            fi ;;
        delif)
            if [[ $position -eq 1 ]]; then COMPREPLY=($(compgen -W "$(_vswitchctl_bridges)" -- "$cur"))
            else COMPREPLY=($(compgen -W "$(_vswitchctl_ports)" -- "$cur")); fi ;;
        addbond)
            if [[ $position -ge 2 ]]; then COMPREPLY=($(compgen -W "$(ls /sys/class/net) --mode --mac --primary --updelay --downdelay" -- "$cur")); fi
            if [[ $prev == --mode ]]; then COMPREPLY=($(compgen -W "active-backup balance-slb" -- "$cur")); fi ;;
        bond)
            if [[ $position -eq 1 ]]; then COMPREPLY=($(compgen -W "show" -- "$cur")); fi ;;
        trunk)
            if [[ $position -eq 1 ]]; then COMPREPLY=($(compgen -W "$(_vswitchctl_ports)" -- "$cur"))
            elif [[ $position -eq 2 ]]; then COMPREPLY=($(compgen -W "none" -- "$cur")); fi ;;
        maclimit)
            if [[ $position -eq 1 ]]; then COMPREPLY=($(compgen -W "$(_vswitchctl_ports)" -- "$cur"))
            elif [[ $position -eq 2 ]]; then COMPREPLY=($(compgen -W "default" -- "$cur")); fi ;;
        delvif|stats|capture)
            if [[ $prev == -w ]]; then COMPREPLY=($(compgen -f -- "$cur"))
            else COMPREPLY=($(compgen -W "$(_vswitchctl_ports) -c -w" -- "$cur")); fi ;;
        fdb)
            if [[ $position -eq 1 ]]; then COMPREPLY=($(compgen -W "add del flush" -- "$cur"))
            elif [[ $position -eq 2 ]]; then COMPREPLY=($(compgen -W "$(_vswitchctl_bridges)" -- "$cur"))
            else COMPREPLY=($(compgen -W "$(_vswitchctl_ports)" -- "$cur")); fi ;;
        network-list|pif-list|vif-list)
            COMPREPLY=($(compgen -W "params= --json" -- "$cur")) ;;
        network-param-set)
            COMPREPLY=($(compgen -W "$(_vswitchctl_uuids network-list) name-label= default-locking-mode= other-config:" -- "$cur")) ;;
        vif-param-set)
            COMPREPLY=($(compgen -W "$(_vswitchctl_uuids vif-list) locking-mode= ipv4-allowed= ipv6-allowed=" -- "$cur")) ;;
        vif-param-add|vif-param-remove)
            COMPREPLY=($(compgen -W "$(_vswitchctl_uuids vif-list) param-name=ipv4-allowed param-name=ipv6-allowed param-key=" -- "$cur")) ;;
        pif-param-set)
            COMPREPLY=($(compgen -W "$(_vswitchctl_uuids pif-list) other-config:" -- "$cur")) ;;
        pif-reconfigure-ip)
            COMPREPLY=($(compgen -W "$(_vswitchctl_uuids pif-list) mode=static mode=none IP= netmask=" -- "$cur")) ;;
    esac
    [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace
}

complete -F _vswitchctl vswitchctl
